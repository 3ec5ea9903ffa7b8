"""Reviews in the admin: staff read them (stars, product, shop, author), find the
abusive ones, and hide them with a reason the author reads, or show them again. Both go
through reviews/services.py, so the ratings and the author's message move with them;
nothing else about a review is edited here."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from reviews import services
from reviews.models import MAX_STARS, Review, ReviewPhoto

HIDE = "hide_reviews"


class HiddenFilter(admin.SimpleListFilter):
    title = _("shown or hidden")
    parameter_name = "hidden"
    HIDDEN, SHOWN = "yes", "no"

    def lookups(self, request, model_admin):
        return [(self.SHOWN, _("Shown")), (self.HIDDEN, _("Hidden by staff"))]

    def queryset(self, request, queryset):
        if self.value() == self.HIDDEN:
            return queryset.filter(hidden_at__isnull=False)
        if self.value() == self.SHOWN:
            return queryset.filter(hidden_at__isnull=True)
        return queryset


class ReviewPhotoInline(admin.TabularInline):
    model = ReviewPhoto
    fields = ["preview", "with_follow_up", "position"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("photo"))
    def preview(self, photo):
        """The thumbnail, opening the photo itself."""
        return format_html(
            '<a href="{}" target="_blank" rel="noopener"><img src="{}" width="120" alt="{}"></a>',
            photo.image.url,
            photo.thumbnail.url,
            _("photo %(position)s") % {"position": photo.position + 1},
        )


class HideReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason the author is told"),
        max_length=services.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = [
        "star_rating",
        "product",
        "vendor",
        "author",
        "short_text",
        "created_at",
        "shown",
    ]
    list_filter = [HiddenFilter, "stars", "created_at"]
    list_select_related = ["product", "vendor", "author"]
    search_fields = [
        "text",
        "follow_up",
        "product__name",
        "product__name_en",
        "line__product_name",
        "vendor__name",
        "author__username",
        "author__email",
    ]
    date_hierarchy = "created_at"
    actions = [HIDE, "show_reviews_again"]
    inlines = [ReviewPhotoInline]
    fields = [
        "star_rating",
        "product",
        "vendor",
        "author",
        "line",
        "text",
        "created_at",
        "follow_up",
        "follow_up_at",
        "reply",
        "replied_at",
        "replied_by",
        "hidden_at",
        "hidden_reason",
        "hidden_by",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting would leave the product's and the shop's figures counting it: hide it.
        return False

    @admin.display(description=_("stars"), ordering="stars")
    def star_rating(self, review):
        return "★" * review.stars + "☆" * (MAX_STARS - review.stars)

    @admin.display(description=_("review"))
    def short_text(self, review):
        return review.text if len(review.text) <= 60 else f"{review.text[:60]}…"

    @admin.display(description=_("shown"), boolean=True, ordering="hidden_at")
    def shown(self, review):
        return not review.is_hidden

    @admin.action(description=_("Hide selected reviews (asks why)"), permissions=["change"])
    def hide_reviews(self, request, queryset):
        """First an intermediate page asking for the reason the authors are told; then
        each review through the service."""
        form = HideReasonForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            self._each(
                request,
                queryset,
                lambda review: services.hide_review(review, by=request.user, reason=reason),
                lambda n: (
                    ngettext("%(count)d review hidden.", "%(count)d reviews hidden.", n)
                    % {"count": n}
                ),
            )
            return None
        return TemplateResponse(
            request,
            "admin/reviews/review/hide.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Hide reviews"),
                "action": HIDE,
                "reviews": queryset.select_related("product", "author"),
                "form": form,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description=_("Show selected reviews again"), permissions=["change"])
    def show_reviews_again(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda review: services.show_review_again(review, by=request.user),
            lambda n: (
                ngettext("%(count)d review shown again.", "%(count)d reviews shown again.", n)
                % {"count": n}
            ),
        )

    def _each(self, request, queryset, service, done):
        changed, refused = 0, []
        for review in queryset:
            try:
                service(review)
            except ValidationError as error:
                refused.append(f"{review}: {' '.join(error.messages)}")
            else:
                self.log_change(request, review, done(1))
                changed += 1
        if changed:
            self.message_user(request, done(changed))
        for refusal in refused:
            self.message_user(request, refusal, messages.ERROR)

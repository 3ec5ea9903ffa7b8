import re
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from catalog import services
from catalog.admin_widgets import AutocompleteAdminMixin, LabelledAutocompleteMixin
from catalog.images import delete_photo_files, limits_help_text, process_upload
from catalog.models import (
    Category,
    County,
    KeywordLanding,
    Prefecture,
    Product,
    ProductImage,
    Vendor,
    VendorMember,
)
from catalog.promotions import admin as promotion_admin  # noqa: F401  (registers its admin)
from catalog.search import admin as search_admin  # noqa: F401  (registers its admin)


class RenameRefreshesSearchMixin:
    """Renaming a vendor, a place or a category changes what its products are found by:
    their search documents are rebuilt in the background."""

    searchable_fields = {"name", "name_en", "name_zh", "parent", "prefecture"}
    search_refresh_fields = ()  # product filters naming the products to rebuild

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and self.searchable_fields & set(form.changed_data):
            for field in self.search_refresh_fields:
                services.schedule_search_refresh(**{field: obj.pk})


@admin.register(Prefecture)
class PrefectureAdmin(RenameRefreshesSearchMixin, admin.ModelAdmin):
    list_display = ["name_en", "name_zh", "kind", "position"]
    list_editable = ["position"]
    search_fields = ["name_en", "name_zh"]
    prepopulated_fields = {"slug": ["name_en"]}
    search_refresh_fields = ["origin_county__prefecture_id"]


@admin.register(County)
class CountyAdmin(RenameRefreshesSearchMixin, admin.ModelAdmin):
    list_display = ["name_en", "name_zh", "prefecture", "known_for_zh"]
    list_filter = ["prefecture"]
    list_select_related = ["prefecture"]
    search_fields = ["name_en", "name_zh", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
    search_refresh_fields = ["origin_county_id"]


@admin.register(Category)
class CategoryAdmin(RenameRefreshesSearchMixin, admin.ModelAdmin):
    list_display = [
        "name_en",
        "name_zh",
        "parent",
        "position",
        "auto_confirm_days",
        "aftersales_hours",
    ]
    list_editable = ["position"]
    list_select_related = ["parent"]
    search_fields = ["name_en", "name_zh"]
    prepopulated_fields = {"slug": ["name_en"]}
    search_refresh_fields = ["category_id", "category__parent_id"]


class VendorMemberInline(AutocompleteAdminMixin, admin.TabularInline):
    model = VendorMember
    extra = 0
    autocomplete_fields = ["user"]


def _vendor_status_action(service, done):
    """Run `service` on each vendor; `done(n)` says how many changed."""

    def action(modeladmin, request, queryset):
        changed, refused = 0, []
        for vendor in queryset:
            try:
                service(vendor)
            except ValidationError as error:
                refused.append(f"{vendor}: {' '.join(error.messages)}")
            else:
                modeladmin.log_change(request, vendor, done(1))
                changed += 1
        if changed:
            modeladmin.message_user(request, done(changed))
        for refusal in refused:
            modeladmin.message_user(request, refusal, messages.ERROR)

    return action


class VendorReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason the vendor is told"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


@admin.register(Vendor)
class VendorAdmin(AutocompleteAdminMixin, RenameRefreshesSearchMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "county",
        "status",
        "applicant",
        "status_changed_at",
        "created_at",
    ]
    list_filter = ["status", "kind", "county__prefecture"]
    list_select_related = ["county", "applicant"]
    search_fields = [
        "name",
        "name_en",
        "slug",
        "licence_number",
        "contact_phone",
        "applicant__username",
    ]
    prepopulated_fields = {"slug": ["name_en"]}
    autocomplete_fields = ["county"]
    readonly_fields = [
        "status",
        "status_reason",
        "status_changed_at",
        "applicant",
        "photo_preview",
        "created_at",
        "updated_at",
    ]
    inlines = [VendorMemberInline]
    actions = ["approve", "suspend", "reject"]
    search_refresh_fields = ["vendor_id"]

    @admin.display(description=_("photo"))
    def photo_preview(self, vendor):
        if not vendor.photo:
            return "—"
        return format_html(
            '<a href="{0}"><img src="{0}" alt="" style="max-width:320px"></a>', vendor.photo.url
        )

    @admin.action(description=_("Approve selected vendors"))
    def approve(self, request, queryset):
        _vendor_status_action(
            services.approve_vendor,
            lambda n: (
                ngettext("%(count)d vendor approved.", "%(count)d vendors approved.", n)
                % {"count": n}
            ),
        )(self, request, queryset)

    @admin.action(description=_("Suspend selected vendors (asks why)"))
    def suspend(self, request, queryset):
        return self._with_reason(
            request,
            queryset,
            "suspend",
            services.suspend_vendor,
            lambda n: (
                ngettext("%(count)d vendor suspended.", "%(count)d vendors suspended.", n)
                % {"count": n}
            ),
        )

    @admin.action(description=_("Reject selected vendors (asks why)"))
    def reject(self, request, queryset):
        return self._with_reason(
            request,
            queryset,
            "reject",
            services.reject_vendor,
            lambda n: (
                ngettext("%(count)d vendor rejected.", "%(count)d vendors rejected.", n)
                % {"count": n}
            ),
        )

    def _with_reason(self, request, queryset, action, service, done):
        """First an intermediate page asking for the reason the vendor is told; then the
        change, vendor by vendor."""
        form = VendorReasonForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            _vendor_status_action(lambda vendor: service(vendor, reason), done)(
                self, request, queryset
            )
            return None
        return TemplateResponse(
            request,
            "admin/catalog/vendor/reason.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reject vendors") if action == "reject" else _("Suspend vendors"),
                "action": action,
                "vendors": queryset,
                "form": form,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


class ProductImageForm(forms.ModelForm):
    """An uploaded photo is validated and re-encoded before anything is stored."""

    upload = forms.FileField(label=_("Photo"), required=False)

    class Meta:
        model = ProductImage
        fields = ["upload", "alt_text", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["upload"].help_text = limits_help_text()

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        if upload:
            if self.instance.pk:
                self._replaced = (self.instance.image.name, self.instance.thumbnail.name)
            # Raises ValidationError; the files are written only when the row is saved.
            self.instance.image, self.instance.thumbnail = process_upload(upload)
        elif not self.instance.pk and self.has_changed():
            self.add_error("upload", _("Choose a photo to upload."))
        return cleaned

    def save(self, commit=True):
        image = super().save(commit=commit)
        if getattr(self, "_replaced", None):
            delete_photo_files(*self._replaced)  # the files of the photo replaced
        return image


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    form = ProductImageForm
    extra = 1
    fields = ["preview", "upload", "alt_text", "position"]
    readonly_fields = ["preview"]

    @admin.display(description=_("Preview"))
    def preview(self, image):
        if not image.pk:
            return "—"
        return format_html('<img src="{}" width="80" height="80" alt="">', image.thumbnail.url)


# A search word staff type for a price: 59.9, 59.90, ¥59.90, 59.90元.
PRICE_WORD = re.compile(r"^[¥￥]?(\d{1,8}(?:\.\d{1,2})?)元?$")


@admin.register(Product)
class ProductAdmin(AutocompleteAdminMixin, LabelledAutocompleteMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "vendor",
        "category",
        "origin_county",
        "price",
        "stock",
        "status",
        "is_featured",
        "updated_at",
    ]
    list_filter = [
        "status",
        "is_featured",
        "category",
        "vendor__status",
        "origin_county__prefecture",
    ]
    list_select_related = ["vendor", "category", "origin_county"]
    list_editable = ["status", "is_featured"]
    search_fields = ["name", "name_en", "slug", "vendor__name", "vendor__name_en"]
    autocomplete_fields = ["vendor", "origin_county"]
    autocomplete_select_related = ["vendor"]
    prepopulated_fields = {"slug": ["name_en"]}
    readonly_fields = ["created_at", "updated_at"]
    list_per_page = 50
    show_full_result_count = False
    inlines = [ProductImageInline]

    def autocomplete_label(self, product):
        """Pickers (a stream's featured products, a promotion's products) tell products of
        the same name apart: "秭归脐橙 5kg · 秭归橙园 · ¥59.90 · 已上架"."""
        return " · ".join(
            [
                product.name,
                product.vendor.name,
                f"¥{product.price}",
                str(product.get_status_display()),
            ]
        )

    def get_search_results(self, request, queryset, search_term):
        """A word that is a price also finds the products at exactly that price."""
        words = search_term.split()
        prices = [(word, PRICE_WORD.match(word)) for word in words]
        prices = [(word, Decimal(match[1])) for word, match in prices if match]
        if not prices:
            return super().get_search_results(request, queryset, search_term)
        found, distinct = super().get_search_results(
            request, queryset, " ".join(w for w in words if not PRICE_WORD.match(w))
        )
        for word, price in prices:
            named, more = super().get_search_results(request, queryset, word)
            found = found.filter(Q(price=price) | Q(pk__in=named.values("pk")))
        return found, distinct

    def save_model(self, request, obj, form, change):
        services.save_product(obj)


@admin.register(KeywordLanding)
class KeywordLandingAdmin(AutocompleteAdminMixin, admin.ModelAdmin):
    list_display = [
        "keyword",
        "target",
        "category",
        "county",
        "vendor",
        "promotion",
        "url",
        "is_active",
    ]
    list_filter = ["target", "is_active"]
    list_select_related = ["category", "county", "vendor", "promotion"]
    list_editable = ["is_active"]
    search_fields = ["keyword"]
    autocomplete_fields = ["category", "county", "vendor", "promotion"]

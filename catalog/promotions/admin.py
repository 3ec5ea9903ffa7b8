"""Staff schedule promotions in the admin: state, validation, duplicate, a preview of the
products a promotion touches, and a calendar of the season, month by month."""

from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib import admin, messages
from django.core.files.uploadedfile import UploadedFile
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from catalog.admin_widgets import AutocompleteAdminMixin
from catalog.images import process_upload
from catalog.promotions import services
from catalog.promotions.calendar import calendar_bars
from catalog.promotions.models import Promotion
from catalog.promotions.selectors import products_in_promotion
from catalog.promotions.shown_prices import refresh_after_commit

SCOPES = ("products", "categories", "vendors", "counties")


class PromotionForm(forms.ModelForm):
    class Meta:
        model = Promotion
        fields = [
            "name",
            "name_en",
            "slug",
            "description",
            "description_en",
            "banner",
            "kind",
            "value",
            "units_cap",
            "per_shopper_limit",
            "starts_at",
            "ends_at",
            *SCOPES,
        ]

    def clean_banner(self):
        """A new banner goes through the same checks as product photos (type, size,
        decompression bombs) and is re-encoded without its metadata."""
        banner = self.cleaned_data.get("banner")
        if isinstance(banner, UploadedFile):
            return process_upload(banner)[0]
        return banner

    def clean_units_cap(self):
        cap = self.cleaned_data.get("units_cap")
        if cap is not None and self.instance.pk:
            sold = Promotion.objects.values_list("units_sold", flat=True).get(pk=self.instance.pk)
            if cap < sold:
                raise forms.ValidationError(
                    _("%(sold)s discounted units are sold already; the cap cannot be lower."),
                    code="cap_below_sold",
                    params={"sold": sold},
                )
        return cap

    def clean(self):
        data = super().clean()
        if not any(data.get(scope) for scope in SCOPES):
            raise forms.ValidationError(
                _(
                    "Choose what the promotion applies to: products, categories, vendors or "
                    "counties."
                ),
                code="empty_scope",
            )
        if data.get("kind") == Promotion.Kind.SPECIAL_PRICE and data.get("value"):
            too_cheap = [p for p in data.get("products") or [] if p.price <= data["value"]]
            if too_cheap:
                self.add_error(
                    "value",
                    _(
                        "A special price must be below the normal price; these products cost "
                        "no more than that already: %(products)s."
                    )
                    % {"products": ", ".join(f"{p.name} (¥{p.price})" for p in too_cheap)},
                )
        return data


class StateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return Promotion.State.choices

    def queryset(self, request, queryset):
        now = timezone.now()
        return {
            Promotion.State.SCHEDULED: queryset.filter(starts_at__gt=now),
            Promotion.State.RUNNING: queryset.filter(starts_at__lte=now, ends_at__gt=now),
            Promotion.State.ENDED: queryset.filter(ends_at__lte=now),
        }.get(self.value(), queryset)


@admin.register(Promotion)
class PromotionAdmin(AutocompleteAdminMixin, admin.ModelAdmin):
    form = PromotionForm
    list_display = ["name", "kind", "value", "starts_at", "ends_at", "state", "units"]
    list_filter = [StateFilter, "kind"]
    search_fields = ["name", "name_en", "slug"]
    date_hierarchy = "starts_at"
    prepopulated_fields = {"slug": ["name_en"]}
    autocomplete_fields = ["products", "categories", "vendors", "counties"]
    readonly_fields = ["units_sold", "products_touched", "created_at", "updated_at"]
    actions = ["duplicate"]
    fieldsets = [
        (None, {"fields": ["name", "name_en", "slug", "description", "description_en", "banner"]}),
        (
            _("Discount"),
            {"fields": ["kind", "value", "units_cap", "units_sold", "per_shopper_limit"]},
        ),
        (_("When (Asia/Shanghai)"), {"fields": ["starts_at", "ends_at"]}),
        (_("What it applies to"), {"fields": [*SCOPES, "products_touched"]}),
        (None, {"fields": ["created_at", "updated_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        """Saved with its scope by the service (one transaction: the counters checkouts
        and the sweep move meanwhile are never written back; its vendors hear of it; the
        listings' prices follow after commit)."""
        services.save_promotion(
            obj,
            by=request.user,
            changed_fields=form.changed_data if change else None,
            scopes={scope: form.cleaned_data[scope] for scope in SCOPES},
        )

    def save_related(self, request, form, formsets, change):
        """Nothing left to save: `save_model` saved the scope (it has no inlines)."""

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        refresh_after_commit()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        refresh_after_commit()

    @admin.display(description=_("state"))
    def state(self, promotion):
        return promotion.state_at().label

    @admin.display(description=_("discounted units"))
    def units(self, promotion):
        if promotion.units_cap is None:
            return promotion.units_sold
        return f"{promotion.units_sold} / {promotion.units_cap}"

    @admin.display(description=_("products it touches now"))
    def products_touched(self, promotion):
        if promotion.pk is None:
            return _("Save first; then the count shows here.")
        return products_in_promotion(promotion).count()

    @admin.action(description=_("Duplicate selected promotions"))
    def duplicate(self, request, queryset):
        for promotion in queryset.prefetch_related(*SCOPES):
            copy = services.duplicate_promotion(promotion, by=request.user)
            self.log_addition(request, copy, "duplicated")
        count = queryset.count()
        self.message_user(
            request,
            ngettext(
                "%(count)d promotion duplicated, scheduled right after the original; check "
                "its dates.",
                "%(count)d promotions duplicated, each scheduled right after its original; "
                "check their dates.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    def get_urls(self):
        calendar = self.admin_site.admin_view(self.calendar_view)
        return [path("calendar/", calendar, name="catalog_promotion_calendar"), *super().get_urls()]

    def calendar_view(self, request):
        """One month of the season (this month unless asked) with each promotion and
        livestream as a bar; `?year=&month=` reach any month, a value that is not one
        falls back to this month's with a word saying so."""
        today = timezone.localdate()
        year = _number_or_none(request.GET.get("year"), FIRST_YEAR, LAST_YEAR)
        month = _number_or_none(request.GET.get("month"), 1, 12)
        if request.GET.get("year") and year is None:
            self.message_user(
                request,
                _("“%(value)s” is not a year from %(first)s to %(last)s; showing this year.")
                % {"value": request.GET["year"][:20], "first": FIRST_YEAR, "last": LAST_YEAR},
                messages.WARNING,
            )
        if request.GET.get("month") and month is None:
            self.message_user(
                request,
                _("“%(value)s” is not a month from 1 to 12; showing this month.")
                % {"value": request.GET["month"][:20]},
                messages.WARNING,
            )
        shown = date(year or today.year, month or today.month, 1)
        return TemplateResponse(
            request,
            "admin/catalog/promotion/calendar.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Season calendar: %(month)s")
                % {"month": date_format(shown, "YEAR_MONTH_FORMAT")},
                "opts": self.model._meta,
                **season_calendar(shown.year, shown.month),
            },
        )


FIRST_YEAR, LAST_YEAR = 2000, 2100  # the calendar's reach


def _number_or_none(value, lowest, highest):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if lowest <= number <= highest else None


def _month_after(day):
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def season_calendar(year, month):
    """One month's days, its promotion bars and the bars registered providers add
    (catalog/promotions/calendar.py: livestream's streams), left and width in % of the
    month, for the template: a query for each kind of bar, whatever their number."""
    tz = timezone.get_current_timezone()
    first = date(year, month, 1)
    following = _month_after(first)
    start = datetime.combine(first, time.min, tzinfo=tz)
    end = datetime.combine(following, time.min, tzinfo=tz)
    length = (end - start).total_seconds()
    days = [
        {"day": day, "left": round((day - 1) / (following - first).days * 100, 3)}
        for day in range(1, (following - first).days + 1)
        if day == 1 or day % 5 == 0
    ]
    bars = []
    now = timezone.now()
    for promotion in Promotion.objects.filter(starts_at__lt=end, ends_at__gt=start):
        left = max(promotion.starts_at, start)
        right = min(promotion.ends_at, end)
        bars.append(
            {
                "promotion": promotion,
                "state": promotion.state_at(now),
                "left": round((left - start).total_seconds() / length * 100, 3),
                "width": max(round((right - left).total_seconds() / length * 100, 3), 0.4),
            }
        )
    for name, shown, starts_at, ends_at in calendar_bars(start, end):  # streams, ...
        left = max(starts_at, start)
        right = min(ends_at, end)
        bars.append(
            {
                name: shown,
                "state": name,
                "left": round((left - start).total_seconds() / length * 100, 3),
                "width": max(round((right - left).total_seconds() / length * 100, 3), 0.4),
            }
        )
    previous = (first - timedelta(days=1)).replace(day=1)
    return {
        "year": year,
        "month": first,
        "days": days,
        "bars": bars,
        "previous": previous if previous.year >= FIRST_YEAR else None,
        "next": following if following.year <= LAST_YEAR else None,
        "months": [date(year, n, 1) for n in range(1, 13)],
        "today": round((now - start).total_seconds() / length * 100, 3)
        if start <= now < end
        else None,
    }

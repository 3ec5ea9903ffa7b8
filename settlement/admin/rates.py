"""Commission rates: staff add a rate (entered as a percentage) that takes effect now or
later; one that has taken effect is kept as it was (a new rate replaces it)."""

from datetime import datetime, timedelta
from decimal import Decimal

from django import forms
from django.contrib import admin
from django.db.models import Exists, OuterRef, QuerySet, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.admin_widgets import AutocompleteAdminMixin
from settlement.models import CommissionRate
from settlement.services.rates import RatesInForce

Scope = CommissionRate.Scope
HUNDRED = Decimal("100")
BACKDATE_GRACE = timedelta(minutes=1)  # the time it takes to fill in the form
CATEGORY_REQUIRED = _("Choose the category this rate applies to.")
SHOP_REQUIRED = _("Choose the shop this rate applies to.")
NO_CATEGORY_HERE = _("Leave the category empty: this rate does not apply to a category.")
NO_SHOP_HERE = _("Leave the shop empty: this rate does not apply to a shop.")
IN_THE_PAST = _("A rate cannot take effect in the past: choose now or a later moment.")
TOO_FAR_AHEAD = _("Schedule a rate at most two years ahead.")
FURTHEST_AHEAD = timedelta(days=731)
IN_FORCE, SCHEDULED, PAST = "now", "scheduled", "past"
READ_ONLY_FIELDS = [
    "scope",
    "category",
    "vendor",
    "rate_percent",
    "effective_from",
    "note",
    "created_by",
    "created_at",
]


def _superseded(at: datetime) -> Exists:
    """A later rate for the same target has taken effect by `at`."""
    return Exists(
        CommissionRate.objects.annotate(
            c=Coalesce("category_id", Value(0)), v=Coalesce("vendor_id", Value(0))
        ).filter(
            scope=OuterRef("scope"),
            c=Coalesce(OuterRef("category_id"), Value(0)),
            v=Coalesce(OuterRef("vendor_id"), Value(0)),
            effective_from__gt=OuterRef("effective_from"),
            effective_from__lte=at,
        )
    )


class InForceFilter(admin.SimpleListFilter):
    title = _("in force")
    parameter_name = "in_force"

    def lookups(self, request, model_admin):
        return [(IN_FORCE, _("In force now")), (SCHEDULED, _("Scheduled")), (PAST, _("Past"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == IN_FORCE:
            return queryset.filter(effective_from__lte=now, superseded=False)
        if self.value() == SCHEDULED:
            return queryset.filter(effective_from__gt=now)
        if self.value() == PAST:
            return queryset.filter(effective_from__lte=now, superseded=True)
        return queryset


class CommissionRateForm(forms.ModelForm):
    """The rate as a percentage (5 = 5%), kept as a fraction (0.0500)."""

    percent = forms.DecimalField(
        label=_("Rate (%)"),
        min_value=Decimal("0"),
        max_value=Decimal("50"),
        max_digits=4,
        decimal_places=2,
        help_text=_("5 means 5% of the goods' price (shipping fees carry no commission)."),
    )

    class Meta:
        model = CommissionRate
        fields = ["scope", "category", "vendor", "effective_from", "note"]
        help_texts = {
            "effective_from": _("Now or later: lines already sold keep the rate they were sold at.")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["percent"] = (self.instance.rate * HUNDRED).normalize()

    def clean(self):
        cleaned = super().clean()
        scope = cleaned.get("scope")
        category, vendor = cleaned.get("category"), cleaned.get("vendor")
        if scope == Scope.CATEGORY and category is None:
            self.add_error("category", CATEGORY_REQUIRED)
        if scope == Scope.VENDOR and vendor is None:
            self.add_error("vendor", SHOP_REQUIRED)
        if scope != Scope.CATEGORY and category is not None:
            self.add_error("category", NO_CATEGORY_HERE)
        if scope != Scope.VENDOR and vendor is not None:
            self.add_error("vendor", NO_SHOP_HERE)
        effective_from = cleaned.get("effective_from")
        if effective_from is not None and effective_from < timezone.now() - BACKDATE_GRACE:
            self.add_error("effective_from", IN_THE_PAST)
        if effective_from is not None and effective_from > timezone.now() + FURTHEST_AHEAD:
            self.add_error("effective_from", TOO_FAR_AHEAD)
        return cleaned

    def _post_clean(self):
        percent = self.cleaned_data.get("percent")
        if percent is not None:
            self.instance.rate = (percent / HUNDRED).quantize(Decimal("0.0001"))
        super()._post_clean()


@admin.register(CommissionRate)
class CommissionRateAdmin(AutocompleteAdminMixin, admin.ModelAdmin):
    form = CommissionRateForm
    list_display = [
        "scope",
        "target",
        "rate_percent",
        "effective_from",
        "status",
        "note",
        "created_by",
    ]
    list_filter = ["scope", InForceFilter]
    list_select_related = ["category", "vendor", "created_by"]
    search_fields = ["vendor__name", "vendor__name_en", "category__name_en", "category__name_zh"]
    autocomplete_fields = ["category", "vendor"]
    ordering = ["-effective_from", "-id"]
    change_list_template = "admin/settlement/commissionrate/change_list.html"
    show_full_result_count = False
    actions = None  # no "delete selected": a rate that took effect is never deleted
    fields = ["scope", "category", "vendor", "percent", "effective_from", "note"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CommissionRate]:
        return super().get_queryset(request).annotate(superseded=_superseded(timezone.now()))

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("effective_from", timezone.localtime().replace(microsecond=0))
        initial.setdefault("scope", Scope.DEFAULT)
        return initial

    def _taken_effect(self, obj: CommissionRate | None) -> bool:
        return obj is not None and obj.effective_from <= timezone.now()

    def has_change_permission(self, request, obj=None):
        """A rate in force, or once in force, is read-only: add a new one to change it."""
        return not self._taken_effect(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._taken_effect(obj) and super().has_delete_permission(request, obj)

    def get_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return READ_ONLY_FIELDS
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return self.get_fields(request, obj)
        return []

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("category or shop"))
    def target(self, rate: CommissionRate) -> str:
        if rate.vendor_id is not None:
            return str(rate.vendor)
        if rate.category_id is not None:
            return str(rate.category)
        return "—"

    @admin.display(description=_("rate"), ordering="rate")
    def rate_percent(self, rate: CommissionRate) -> str:
        return f"{rate.rate * HUNDRED:.2f}%"

    @admin.display(description=_("status"))
    def status(self, rate: CommissionRate) -> str:
        if rate.effective_from > timezone.now():
            return str(_("Scheduled"))
        if getattr(rate, "superseded", False):
            return str(_("Past"))
        return str(_("In force now"))

    def changelist_view(self, request, extra_context=None):
        """Above the list: the default rate in force now, and the next one scheduled."""
        now = timezone.now()
        upcoming = (
            CommissionRate.objects.filter(scope=Scope.DEFAULT, effective_from__gt=now)
            .order_by("effective_from")
            .first()
        )
        default = RatesInForce(now).default
        extra_context = {
            **(extra_context or {}),
            "default_now": None if default is None else f"{default * HUNDRED:.2f}%",
            "default_next": upcoming,
            "default_next_percent": upcoming and f"{upcoming.rate * HUNDRED:.2f}%",
        }
        return super().changelist_view(request, extra_context)

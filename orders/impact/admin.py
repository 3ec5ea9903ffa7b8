"""Staff side of the impact board: pledges with their progress, and the daily rollups
(read-only) with a CSV export and a rebuild action."""

import csv
from decimal import Decimal

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from kombu.exceptions import OperationalError

from catalog.admin_widgets import AutocompleteAdminMixin
from catalog.models import Category, County, Vendor
from orders.impact.models import DailySales, Dimension, Pledge
from orders.readonly_admin import ReadOnlyModelAdmin
from orders.tasks import rebuild_impact_day_task

QUEUE_UNREACHABLE = _(
    "The rebuild could not be queued: the task queue is unreachable. "
    "Try again in a few minutes; today and yesterday are rebuilt every "
    "10 minutes anyway."
)

CSV_COLUMNS = [
    "day",
    "by",
    "id",
    "name",
    "transactions",
    "units",
    "tons",
    "revenue_cny",
    "stream_transactions",
    "stream_tons",
    "stream_revenue_cny",
]


@admin.register(Pledge)
class PledgeAdmin(AutocompleteAdminMixin, admin.ModelAdmin):
    list_display = [
        "pledger",
        "title",
        "scope_label",
        "target_label",
        "progress",
        "starts_on",
        "ends_on",
        "is_public",
    ]
    list_filter = ["measure", "scope", "is_public"]
    search_fields = ["pledger", "pledger_en", "title", "title_en"]
    autocomplete_fields = ["category", "county", "vendor"]
    fieldsets = [
        (None, {"fields": ["pledger", "pledger_en", "title", "title_en"]}),
        (_("Target"), {"fields": ["measure", "target", "starts_on", "ends_on"]}),
        (
            _("Scope"),
            {
                "fields": ["scope", "category", "county", "vendor"],
                "description": _("All produce, or one category, county or vendor."),
            },
        ),
        (_("Shown"), {"fields": ["is_public", "position"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .with_progress()
            .select_related("category", "county", "vendor")
        )

    @admin.display(description=_("scope"))
    def scope_label(self, pledge):
        return pledge.scope_object or _("all produce")

    @admin.display(description=_("target"), ordering="target")
    def target_label(self, pledge):
        unit = _("t") if pledge.measure == Pledge.Measure.TONS else "¥"
        return f"{pledge.target:,.0f} {unit}" if unit != "¥" else f"¥{pledge.target:,.0f}"

    @admin.display(description=_("progress"))
    def progress(self, pledge):
        return format_html(
            '<progress max="100" value="{}"></progress> {}%',
            min(pledge.percent, 100),
            f"{pledge.percent:.1f}",
        )


@admin.register(DailySales)
class DailySalesAdmin(ReadOnlyModelAdmin):
    list_display = [
        "day",
        "dimension",
        "key",
        "subject",
        "orders",
        "units",
        "tons",
        "revenue",
        "stream_orders",
        "stream_tons",
    ]
    list_filter = ["dimension", ("day", admin.DateFieldListFilter)]
    date_hierarchy = "day"
    actions = ["rebuild_days"]
    list_per_page = 100
    change_list_template = "admin/orders/dailysales/change_list.html"

    def get_urls(self):
        export = self.admin_site.admin_view(self.export_csv)
        return [path("export.csv", export, name="orders_dailysales_export"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        query = request.GET.urlencode()
        export = reverse("admin:orders_dailysales_export") + (f"?{query}" if query else "")
        return super().changelist_view(request, {**(extra_context or {}), "export_url": export})

    def get_changelist_instance(self, request):
        """The page's rows, each with the name of its category, county or vendor (one
        query per kind on the page)."""
        changelist = super().get_changelist_instance(request)
        names = _subjects_of((row.dimension, row.key) for row in changelist.result_list)
        for row in changelist.result_list:
            row.subject_name = names.get((row.dimension, row.key), "")
        return changelist

    @admin.display(description=_("name"))
    def subject(self, row):
        return getattr(row, "subject_name", "")

    @admin.display(description=_("tons"), ordering="weight_g")
    def tons(self, row):
        return f"{row.weight_g / 1_000_000:,.3f}"

    @admin.display(description=_("revenue (CNY)"), ordering="revenue_fen")
    def revenue(self, row):
        return f"¥{row.revenue:,.2f}"

    @admin.display(description=_("tons from livestreams"))
    def stream_tons(self, row):
        return f"{row.stream_weight_g / 1_000_000:,.3f}"

    def has_rebuild_permission(self, request):
        return request.user.has_perm("orders.change_dailysales")

    @admin.action(
        description=_("Rebuild the selected days from the orders"), permissions=["rebuild"]
    )
    def rebuild_days(self, request, queryset):
        days = sorted(set(queryset.values_list("day", flat=True)))
        try:
            for day in days:
                rebuild_impact_day_task.delay(day.isoformat())
        except OperationalError:  # the broker (Redis) is down: say so, not a 500
            messages.error(request, QUEUE_UNREACHABLE)
            return
        messages.success(
            request,
            ngettext(
                "%(count)d day is being rebuilt from its orders.",
                "%(count)d days are being rebuilt from their orders.",
                len(days),
            )
            % {"count": len(days)},
        )

    def export_csv(self, request):
        """The rows the list shows (same filters), all pages, as CSV for a spreadsheet:
        UTF-8 with a BOM so that Excel reads the Chinese names."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = super().get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest("Unknown filter in the address.")
        rows = changelist.queryset.order_by("day", "dimension", "key")
        subjects = _subjects_of(rows.values_list("dimension", "key").distinct().order_by())

        class Echo:
            def write(self, value):
                return value

        writer = csv.writer(Echo())

        def lines():
            yield "\ufeff"
            yield writer.writerow(CSV_COLUMNS)
            for row in rows.iterator(chunk_size=2000):
                yield writer.writerow(
                    [
                        row.day.isoformat(),
                        row.dimension,
                        row.key,
                        spreadsheet_safe(subjects.get((row.dimension, row.key), "")),
                        row.orders,
                        row.units,
                        f"{row.weight_g / 1_000_000:.6f}",
                        f"{row.revenue:.2f}",
                        row.stream_orders,
                        f"{row.stream_weight_g / 1_000_000:.6f}",
                        f"{Decimal(row.stream_revenue_fen) / 100:.2f}",
                    ]
                )

        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="impact-{stamp}.csv"'
        return response


def spreadsheet_safe(text):
    """Text a spreadsheet will not run as a formula (names are typed by vendors)."""
    text = str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _subjects_of(pairs):
    """{(dimension, key): name} for the categories, counties and vendors among `pairs`:
    one query per kind present, whatever the number of rows."""
    wanted = {}
    for dimension, key in pairs:
        wanted.setdefault(dimension, set()).add(key)
    names = {(Dimension.ALL.value, 0): _("the whole store")}
    for dimension, model in (
        (Dimension.CATEGORY, Category),
        (Dimension.COUNTY, County),
        (Dimension.VENDOR, Vendor),
    ):
        if wanted.get(dimension.value):
            for pk, obj in model.objects.in_bulk(wanted[dimension.value]).items():
                names[(dimension.value, pk)] = str(obj)
    return names

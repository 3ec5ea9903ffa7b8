"""Each shop's ledger in the admin: read-only entries (filters, search by order, refund
and payout numbers), the two ways staff move money by hand (an adjustment, the reversal
of a mistaken entry; each confirmed, recorded in the admin log), a shop's statement for
a period (and as CSV), and the books check."""

from decimal import Decimal

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.models import Vendor
from catalog.templatetags.catalog_tags import cny
from orders.models import Order
from orders.readonly_admin import ReadOnlyModelAdmin
from settlement.admin.forms import AdjustmentForm, ReversalForm, StatementForm
from settlement.books import check_books
from settlement.exports import csv_response, group_labels, statement_csv
from settlement.models import LedgerEntry
from settlement.selectors import statement, statement_entries
from settlement.services import booking

Kind = LedgerEntry.Kind
MONEY_PERMISSION = "settlement.add_ledgerentry"  # adjustments and reversals
VIEW_PERMISSION = "settlement.view_ledgerentry"
ALREADY_REVERSED = _("This entry was reversed already (by entry #%(id)s): nothing was changed.")
IS_A_REVERSAL = _("This entry is itself a reversal: it cannot be reversed.")
PAYOUT_ENTRY = _(
    "A payout's entries are not reversed by hand: mark the payout failed on its run's page."
)
ADJUSTED = _("Adjustment of %(amount)s booked for %(shop)s (entry #%(id)s).")
ADJUSTED_ALREADY = _("This adjustment was booked already (entry #%(id)s): nothing more was booked.")
REVERSED = _("Entry #%(id)s reversed by entry #%(reversal)s.")
STATEMENT_PAGE_SIZE = 50
AVAILABLE, LATER, WAITING = "available", "later", "waiting"


def reversal_refusal(entry: LedgerEntry) -> str | None:
    """Why `entry` cannot be reversed (None: it can). One query."""
    if entry.reverses_id is not None:
        return str(IS_A_REVERSAL)
    if entry.kind in (Kind.PAYOUT, Kind.PAYOUT_RETURNED):
        return str(PAYOUT_ENTRY)
    reversal = LedgerEntry.objects.filter(reverses=entry).values_list("pk", flat=True).first()
    if reversal is not None:
        return str(ALREADY_REVERSED % {"id": reversal})
    return None


def yuan(amount: Decimal | None) -> str:
    """¥1,234.50, a negative amount -¥5.99 (as the store's `cny` filter writes it)."""
    return "" if amount is None else cny(amount)


class AvailabilityFilter(admin.SimpleListFilter):
    title = _("availability")
    parameter_name = "availability"

    def lookups(self, request, model_admin):
        return [
            (AVAILABLE, _("Available now")),
            (LATER, _("Available later")),
            (WAITING, _("Waiting for receipt")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == AVAILABLE:
            return queryset.filter(available_at__lte=now)
        if self.value() == LATER:
            return queryset.filter(available_at__gt=now)
        if self.value() == WAITING:
            return queryset.filter(available_at__isnull=True)
        return queryset


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyModelAdmin):
    """Entries are never edited or deleted: a mistake is reversed (the Reverse button)."""

    list_display = [
        "booked_at",
        "vendor",
        "kind",
        "money",
        "availability",
        "order_number",
        "reference",
        "note",
        "by_whom",
    ]
    list_filter = ["kind", AvailabilityFilter, "vendor"]
    list_select_related = ["vendor", "part__order", "refund", "payout", "by"]
    search_fields = ["part__order__number", "payout__number", "refund__refund_number", "note"]
    date_hierarchy = "booked_at"
    ordering = ["-booked_at", "-id"]
    show_full_result_count = False
    change_list_template = "admin/settlement/ledgerentry/change_list.html"
    change_form_template = "admin/settlement/ledgerentry/change_form.html"
    fields = [
        "vendor",
        "kind",
        "money",
        "availability",
        "booked_at",
        "order_number",
        "part",
        "refund",
        "request",
        "payout",
        "reverses",
        "reversed_by_link",
        "note",
        "by_whom",
    ]
    readonly_fields = fields

    @admin.display(description=_("amount (CNY)"), ordering="amount")
    def money(self, entry: LedgerEntry) -> str:
        return yuan(entry.amount)

    @admin.display(description=_("available from"), ordering="available_at")
    def availability(self, entry: LedgerEntry) -> str:
        if entry.available_at is None:
            return str(_("waiting for receipt"))
        return timezone.localtime(entry.available_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description=_("order"), ordering="part__order__number")
    def order_number(self, entry: LedgerEntry) -> str:
        if entry.part_id is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:orders_order_change", args=[entry.part.order_id]),
            entry.part.order.number,
        )

    @admin.display(description=_("refund or payout"))
    def reference(self, entry: LedgerEntry) -> str:
        found = []
        if entry.refund_id is not None:
            found.append(entry.refund.refund_number)
        if entry.payout_id is not None:
            found.append(entry.payout.number)
        return " ".join(found) or "—"

    @admin.display(description=pgettext_lazy("who did it", "by"), ordering="by__username")
    def by_whom(self, entry: LedgerEntry) -> str:
        return str(entry.by) if entry.by_id else "—"

    @admin.display(description=_("reversed by"))
    def reversed_by_link(self, entry: LedgerEntry) -> str:
        reversal = LedgerEntry.objects.filter(reverses=entry).values_list("pk", flat=True).first()
        if reversal is None:
            return "—"
        return format_html(
            '<a href="{}">#{}</a>',
            reverse("admin:settlement_ledgerentry_change", args=[reversal]),
            reversal,
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("adjust/", wrap(self.adjust_view), name="settlement_adjust"),
            path("statement/", wrap(self.statement_view), name="settlement_statement"),
            path("books/", wrap(self.books_view), name="settlement_books"),
            path(
                "<path:object_id>/reverse/",
                wrap(self.reverse_view),
                name="settlement_ledgerentry_reverse",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_move_money": request.user.has_perm(MONEY_PERMISSION),
        }
        return super().changelist_view(request, extra_context)

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["can_reverse"] = (
            obj is not None
            and request.user.has_perm(MONEY_PERMISSION)
            and reversal_refusal(obj) is None
        )
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def _context(self, request: HttpRequest, title: str, **values) -> dict:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            **values,
        }

    def adjust_view(self, request: HttpRequest) -> HttpResponse:
        """A staff adjustment: shop, amount (+ credits, − takes), reason; shown again to
        confirm, then booked (booking.adjust), available at once."""
        if not request.user.has_perm(MONEY_PERMISSION):
            raise PermissionDenied
        confirming = False
        if request.method == "POST":
            form = AdjustmentForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                if data["confirmed"] and "edit" not in request.POST:
                    key = data["form_key"]
                    try:
                        with transaction.atomic():
                            entry = booking.adjust(
                                data["vendor"].pk,
                                data["amount"],
                                note=data["note"],
                                by=request.user,
                                key=key,
                            )
                            self.log_addition(request, entry, str(_("Adjustment")))
                    except IntegrityError:  # confirmed twice: the first booked it
                        entry = LedgerEntry.objects.get(form_key=key)
                        self.message_user(request, ADJUSTED_ALREADY % {"id": entry.pk})
                        return HttpResponseRedirect(
                            reverse("admin:settlement_ledgerentry_change", args=[entry.pk])
                        )
                    self.message_user(
                        request,
                        ADJUSTED
                        % {"amount": yuan(entry.amount), "shop": data["vendor"], "id": entry.pk},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:settlement_ledgerentry_change", args=[entry.pk])
                    )
                confirming = "edit" not in request.POST
        else:
            vendor = request.GET.get("vendor", "")
            form = AdjustmentForm(initial={"vendor": vendor} if vendor.isdigit() else {})
        return TemplateResponse(
            request,
            "admin/settlement/ledgerentry/adjust.html",
            self._context(
                request,
                _("Confirm the adjustment") if confirming else _("Add an adjustment"),
                form=form,
                confirming=confirming,
                form_key=form.confirmation_key(),
            ),
        )

    def reverse_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Reverse a mistaken entry (same kind, opposite amount), with a reason; refused
        for a reversal, an entry reversed already, and a payout's entries."""
        if not request.user.has_perm(MONEY_PERMISSION):
            raise PermissionDenied
        entry = self.get_object(request, object_id)
        if entry is None:
            raise Http404
        change_url = reverse("admin:settlement_ledgerentry_change", args=[entry.pk])
        refusal = reversal_refusal(entry)
        confirming = False
        form = ReversalForm(request.POST if request.method == "POST" else None)
        if refusal is None and request.method == "POST" and form.is_valid():
            if form.cleaned_data["confirmed"] and "edit" not in request.POST:
                try:
                    with transaction.atomic():
                        reversal = booking.reverse_entry(
                            entry, note=form.cleaned_data["note"], by=request.user
                        )
                        self.log_addition(request, reversal, str(_("Reversal")))
                except IntegrityError:  # reversed meanwhile by someone else
                    refusal = reversal_refusal(entry) or str(IS_A_REVERSAL)
                else:
                    self.message_user(
                        request,
                        REVERSED % {"id": entry.pk, "reversal": reversal.pk},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:settlement_ledgerentry_change", args=[reversal.pk])
                    )
            else:
                confirming = "edit" not in request.POST
        return TemplateResponse(
            request,
            "admin/settlement/ledgerentry/reverse.html",
            self._context(
                request,
                _("Reverse entry #%(id)s") % {"id": entry.pk},
                original=entry,
                change_url=change_url,
                form=form,
                refusal=refusal,
                confirming=confirming,
                amount=yuan(entry.amount),
                opposite=yuan(-entry.amount),
            ),
        )

    def statement_view(self, request: HttpRequest) -> HttpResponse:
        """A shop's statement for a period (this week unless asked): the figures of
        selectors.statement and its entries, 50 a page; `?format=csv` downloads it."""
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        data = request.GET.copy()
        monday, sunday = StatementForm.this_week()
        data.setdefault("start", monday.isoformat())
        data.setdefault("end", sunday.isoformat())
        form = StatementForm(data if "vendor" in data else None, initial=data.dict())
        values = {"form": form}
        if form.is_valid():
            vendor, start, end = (form.cleaned_data[k] for k in ("vendor", "start", "end"))
            if request.GET.get("format") == "csv":
                return csv_response(
                    statement_csv(vendor, start, end),
                    f"statement-{vendor.pk}-{start:%Y%m%d}-{end:%Y%m%d}.csv",
                )
            figures = statement(vendor.pk, start, end)
            labels = group_labels()
            page = Paginator(statement_entries(vendor.pk, start, end), STATEMENT_PAGE_SIZE)
            query = data.copy()
            query.pop("page", None)
            values.update(
                vendor=vendor,
                figures=figures,
                groups=[(labels[key], total) for key, total in figures.totals.items()],
                page=page.get_page(request.GET.get("page")),
                query=query.urlencode(),
            )
        return TemplateResponse(
            request,
            "admin/settlement/statement.html",
            self._context(request, _("Statement"), **values),
        )

    def books_view(self, request: HttpRequest) -> HttpResponse:
        """settlement.books.check_books(), shown: whether the books balance and each
        difference found, with the orders involved."""
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        report = check_books()
        labels = dict(Kind.choices)
        names = Vendor.objects.in_bulk([shop.vendor_id for shop in report.shops])
        order_ids = dict(
            Order.objects.filter(number__in=list(report.orders)).values_list("number", "pk")
        )
        return TemplateResponse(
            request,
            "admin/settlement/books.html",
            self._context(
                request,
                _("Books check"),
                report=report,
                shops=[
                    (
                        shop,
                        names[shop.vendor_id].name if shop.vendor_id in names else shop.vendor_name,
                    )
                    for shop in report.shops
                ],
                orders=[
                    (number, order_ids.get(number), flow) for number, flow in report.orders.items()
                ],
                missing=[(m, labels.get(m.missing, m.missing)) for m in report.missing],
            ),
        )

"""Payments, refunds and the gateways' notifications in the admin: records the code
writes and staff read, searchable by order number and by the gateways' numbers; and the
daily reconciliation of our records against the gateways' bills."""

from datetime import date, timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from orders.readonly_admin import ReadOnlyModelAdmin
from payments.models import GatewayNotification, Payment, Refund
from payments.reconciliation import BILL_UNAVAILABLE, reconcile, yesterday

FIRST_DAY = date(2000, 1, 1)  # the reconciliation's reach back


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    fields = ["refund_number", "amount", "reason", "state", "gateway_refund_id", "created_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyModelAdmin):
    list_display = [
        "trade_number",
        "order_links",
        "gateway",
        "scene",
        "amount",
        "refunded",
        "state",
        "gateway_trade_id",
        "created_at",
        "paid_at",
    ]
    list_filter = ["state", "gateway", "scene", "created_at"]
    list_select_related = ["order"]
    search_fields = ["trade_number", "gateway_trade_id", "order__number"]
    date_hierarchy = "created_at"
    inlines = [RefundInline]
    show_full_result_count = False
    change_list_template = "admin/payments/payment/change_list.html"

    @admin.display(description=_("order"), ordering="order__number")
    def order_links(self, payment):
        """The order's admin page, and all of its payments (this list filtered by it)."""
        return format_html(
            '<a href="{}">{}</a> · <a href="{}?order__id__exact={}">{}</a>',
            reverse("admin:orders_order_change", args=[payment.order_id]),
            payment.order.number,
            reverse("admin:payments_payment_changelist"),
            payment.order_id,
            _("its payments"),
        )

    def get_urls(self):
        reconciliation = self.admin_site.admin_view(self.reconciliation_view)
        return [
            path("reconciliation/", reconciliation, name="payments_reconciliation"),
            *super().get_urls(),
        ]

    def reconciliation_view(self, request):
        """One day's reconciliation (yesterday unless `?day=YYYY-MM-DD` asks another);
        a value that is not a day up to today falls back to yesterday with a word saying so."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        asked = request.GET.get("day", "")
        day = _day_or_none(asked)
        if asked and day is None:
            self.message_user(
                request,
                _("“%(value)s” is not a day from %(first)s to today; showing yesterday.")
                % {"value": asked[:20], "first": FIRST_DAY.isoformat()},
                messages.WARNING,
            )
        day = day or yesterday()
        following = day + timedelta(days=1)
        return TemplateResponse(
            request,
            "admin/payments/reconciliation.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reconciliation of %(day)s") % {"day": date_format(day, "DATE_FORMAT")},
                "opts": self.model._meta,
                "reconciliation": reconcile(day),
                "day": day,
                "previous": day - timedelta(days=1) if day > FIRST_DAY else None,
                "next": following if following <= yesterday() + timedelta(days=1) else None,
                "bill_unavailable": BILL_UNAVAILABLE,
            },
        )


@admin.register(Refund)
class RefundAdmin(ReadOnlyModelAdmin):
    list_display = [
        "refund_number",
        "payment",
        "order_number",
        "amount",
        "reason",
        "note",
        "state",
        "gateway_refund_id",
        "attempts",
        "created_at",
        "finished_at",
    ]
    list_filter = ["state", "reason", "payment__gateway"]
    list_select_related = ["payment__order"]
    search_fields = [
        "refund_number",
        "gateway_refund_id",
        "payment__trade_number",
        "payment__gateway_trade_id",
        "payment__order__number",
        "note",  # an after-sales refund's note is its request's number (SH…)
    ]
    show_full_result_count = False

    @admin.display(description=_("order"), ordering="payment__order__number")
    def order_number(self, refund):
        return refund.payment.order.number


@admin.register(GatewayNotification)
class GatewayNotificationAdmin(ReadOnlyModelAdmin):
    list_display = ["received_at", "gateway", "verdict", "trade_number", "reason"]
    list_filter = ["verdict", "gateway"]
    search_fields = ["trade_number", "payment__order__number", "reason"]
    show_full_result_count = False


def _day_or_none(text: str) -> date | None:
    """The day `text` names as YYYY-MM-DD, from FIRST_DAY to today (Asia/Shanghai)."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= yesterday() + timedelta(days=1) else None

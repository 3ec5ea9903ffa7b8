"""Payments, refunds and the gateways' notifications in the admin: records the code
writes and staff read, searchable by order number and by the gateways' numbers."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from orders.readonly_admin import ReadOnlyModelAdmin
from payments.models import GatewayNotification, Payment, Refund


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
        "order",
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


@admin.register(Refund)
class RefundAdmin(ReadOnlyModelAdmin):
    list_display = [
        "refund_number",
        "payment",
        "order_number",
        "amount",
        "reason",
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

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from orders import channels, services
from orders.models import (
    Address,
    Order,
    OrderEvent,
    OrderLine,
    OrderPart,
)
from orders.readonly_admin import ReadOnlyModelAdmin


class OrderPartInline(admin.TabularInline):
    model = OrderPart
    extra = 0
    fields = [
        "vendor",
        "status",
        "subtotal",
        "shipping_fee",
        "cold_chain",
        "weight_g",
        "carrier",
        "tracking_number",
        "shipped_at",
        "auto_confirm_at",
        "delivered_at",
    ]
    readonly_fields = fields
    can_delete = False


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    fields = ["at", "part", "from_status", "to_status", "by", "note"]
    readonly_fields = fields
    can_delete = False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "shopper",
        "mobile",
        "status",
        "payment_method",
        "total",
        "created_at",
    ]
    list_filter = ["status", "payment_method", "parts__vendor"]
    list_select_related = ["shopper"]
    search_fields = ["number", "mobile", "shopper__username"]
    readonly_fields = [
        "number",
        "shopper",
        "status",
        "payment_method",
        "address",
        "mobile",
        "total",
        "shipping_fee",
        "weight_g",
        "idempotency_key",
        "created_at",
        "updated_at",
    ]
    inlines = [OrderPartInline, OrderEventInline]
    show_full_result_count = False
    actions = ["confirm_bank_transfer"]

    @admin.action(description=_("Confirm bank transfer received"))
    def confirm_bank_transfer(self, request, queryset):
        confirmed = 0
        for order in queryset.filter(payment_method=Order.PaymentMethod.BANK_TRANSFER):
            try:
                services.confirm_payment(order, by=request.user)
            except ValidationError as error:
                self.message_user(request, f"{order}: {' '.join(error.messages)}", messages.ERROR)
            else:
                confirmed += 1
        self.message_user(
            request,
            ngettext("%(count)d order confirmed.", "%(count)d orders confirmed.", confirmed)
            % {"count": confirmed},
        )

    def has_add_permission(self, request):
        return False  # orders come from checkout

    def has_delete_permission(self, request, obj=None):
        return False  # an order is a record: cancel it instead (stock, rollups, messages)


class OrderLineChangeList(ChangeList):
    """The page of lines, with the names of the channels they were bought from (the
    streams' titles: one query for the page, orders/channels.py)."""

    def get_results(self, request):
        super().get_results(request)
        names = channels.names({line.channel for line in self.result_list})
        for line in self.result_list:
            line.channel_name = names.get(line.channel, line.channel)


@admin.register(OrderLine)
class OrderLineAdmin(ReadOnlyModelAdmin):
    """What was bought is a record (the impact board's figures come from it)."""

    # A product priced in portions (a limit, a flash sale's last units) has a line for each.
    list_display = [
        "product_name",
        "part",
        "unit_price",
        "quantity",
        "line_total",
        "promotion",
        "discount",
        "bought_through",
    ]
    list_select_related = ["part__order", "part__vendor", "promotion"]
    search_fields = ["product_name", "part__order__number"]

    def get_changelist(self, request, **kwargs):
        return OrderLineChangeList

    @admin.display(description=_("sales channel"), ordering="channel")
    def bought_through(self, line):
        return getattr(line, "channel_name", line.channel) or None  # None: the empty mark


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ["recipient", "mobile", "province", "city", "district", "user"]
    list_select_related = ["user"]
    search_fields = ["recipient", "mobile", "user__username"]


from orders.impact import admin as impact_admin  # noqa: E402, F401 - registers the impact board's admin
from orders.shipping import admin as shipping_admin  # noqa: E402, F401 - registers the freight templates' admin

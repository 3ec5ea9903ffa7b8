"""Alipay and WeChat Pay as payment methods of orders (orders/payments.py): offered at
checkout when configured, paid through the cashier page, refunded when cancelled."""

from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from orders import payments as order_payments
from orders.models import Order, OrderPart
from payments import gateways
from payments.selectors import PaymentFacts, payment_facts
from payments.services.refunds import refund_cancelled_parts
from payments.services.starting import pay_deadline


class OnlineMethod(order_payments.PaymentMethod):
    online = True
    confirmed_when_placed = False
    announced_when_placed = False

    def available(self) -> bool:
        return self.code in gateways.configured()

    def pay_deadline(self, order: Order) -> datetime | None:
        return pay_deadline(order) if order.status == Order.Status.PLACED else None

    def pay_url(self, order: Order) -> str | None:
        if order.status != Order.Status.PLACED:
            return None
        return reverse("payments:cashier", args=[order.number])

    def payment_facts(self, order: Order) -> PaymentFacts | None:
        return payment_facts(order)

    def parts_cancelled(self, order: Order, parts: list[OrderPart], *, by) -> None:
        refund_cancelled_parts(order, parts, by=by)


class Alipay(OnlineMethod):
    code = Order.PaymentMethod.ALIPAY
    label = _("Alipay")


class WechatPay(OnlineMethod):
    code = Order.PaymentMethod.WECHAT_PAY
    label = _("WeChat Pay")


def register_methods() -> None:
    """Called from PaymentsConfig.ready()."""
    order_payments.register(Alipay())
    order_payments.register(WechatPay())

"""What the payment pages read."""

from orders.models import Order
from payments import gateways
from payments.models import Gateway, Payment


def gateway_choices() -> list[tuple[str, str]]:
    """The configured gateways, Alipay first, as the cashier offers them."""
    return [(code, label) for code, label in Gateway.choices if code in gateways.configured()]


def latest_payment(order: Order, *, with_qr: bool = False) -> Payment | None:
    """The order's newest pending payment (with a QR code to show, if asked)."""
    payments = Payment.objects.filter(order=order, state=Payment.State.PENDING)
    if with_qr:
        payments = payments.exclude(qr_text="")
    return payments.order_by("-created_at", "-pk").first()

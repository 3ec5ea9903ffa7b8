"""What the payment pages read."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch

from orders.models import Order
from payments import gateways
from payments.models import Gateway, Payment, Refund


def gateway_choices() -> list[tuple[str, str]]:
    """The configured gateways, Alipay first, as the cashier offers them."""
    return [(code, label) for code, label in Gateway.choices if code in gateways.configured()]


def latest_payment(order: Order, *, with_qr: bool = False) -> Payment | None:
    """The order's newest pending payment (with a QR code to show, if asked)."""
    payments = Payment.objects.filter(order=order, state=Payment.State.PENDING)
    if with_qr:
        payments = payments.exclude(qr_text="")
    return payments.order_by("-created_at", "-pk").first()


@dataclass
class PaymentFacts:
    """How an order was paid online, and its refunds, as its page shows them."""

    paid: Payment | None  # the payment that paid it
    refunds: list[Refund]  # every refund of the order's payments, newest first

    @property
    def refunded(self) -> Decimal:
        return sum(
            (r.amount for r in self.refunds if r.state == Refund.State.SUCCEEDED), Decimal("0")
        )


def payment_facts(order: Order) -> PaymentFacts | None:
    """The order's captured payments and their refunds: two queries, whatever their
    number; None when nothing was ever paid."""
    captured = list(
        Payment.objects.filter(
            order=order,
            state__in=[
                Payment.State.PAID,
                Payment.State.REFUNDED_IN_PART,
                Payment.State.REFUNDED,
            ],
        )
        .order_by("paid_at", "pk")
        .prefetch_related(Prefetch("refunds", queryset=Refund.objects.order_by("-created_at")))
    )
    if not captured:
        return None
    refunds = sorted(
        (refund for payment in captured for refund in payment.refunds.all()),
        key=lambda refund: refund.created_at,
        reverse=True,
    )
    paid = next((p for p in captured if not p.note), captured[0])
    return PaymentFacts(paid=paid, refunds=refunds)

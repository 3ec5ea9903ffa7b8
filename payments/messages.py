"""The messages payments send: a refund reached the shopper's account."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from notifications import kinds
from notifications.models import Notification
from notifications.services import message, queue
from orders.messages import SEE_THE_ORDER, load_orders
from payments.models import Refund

REFUNDED = "payment_refunded"


def register_kinds() -> None:
    """Called from PaymentsConfig.ready()."""
    kinds.register(
        REFUNDED,
        _("refund sent"),
        templates=f"payments/messages/{REFUNDED}",
        link_label=SEE_THE_ORDER,
        load=load_orders,
    )


def notify_refunded(refund: Refund) -> list[Notification]:
    """The shopper hears that the money is on its way back, how much and where to."""
    payment = refund.payment
    order = payment.order
    return queue(
        [
            message(
                order.shopper_id,
                REFUNDED,
                key=f"refunded:{refund.pk}",
                context={
                    "order_id": order.pk,
                    "order_number": order.number,
                    "amount": str(refund.amount),
                    "gateway": payment.gateway,
                    "refund_number": refund.refund_number,
                },
                link=reverse("orders:detail", args=[order.number]),
            )
        ]
    )

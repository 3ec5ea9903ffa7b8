"""Starting (and resuming) the payment of an order at a gateway."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.db import lock_row
from orders.models import Order
from payments import gateways
from payments.gateways.base import Device, GatewayError
from payments.models import Payment
from payments.money import to_fen

NOT_AWAITING_PAYMENT = _("This order is not waiting for a payment.")
TIME_IS_UP = _("The time to pay this order is over; it is being closed.")
GATEWAY_UNAVAILABLE = _(
    "%(gateway)s cannot be reached just now. Nothing was charged; try again in a moment."
)
NOT_ONLINE = _("This order is not paid online.")


def pay_deadline(order: Order) -> datetime:
    """When an unpaid online order closes."""
    return order.created_at + timedelta(minutes=settings.PAYMENT_TIMEOUT_MINUTES)


def amount_due(order: Order) -> Decimal:
    """What the gateway is asked for: the order's total as the server computed it at
    checkout, without the parts a shop cancelled."""
    return order.total_due


def start_payment(order: Order, *, gateway_code: str, device: Device, client_ip: str) -> Payment:
    """A payment of `order` through `gateway_code` on `device`, ready for the shopper:
    its `resume_url` (the gateway's page) or `qr_text` (a code to scan). A pending
    payment of the same gateway and scene is resumed (its trade number again, so the
    gateway holds one trade); another gateway or device starts a new trade, and the
    order's payment method follows the shopper's choice. Raises ValidationError when
    the order is not awaiting payment, its time is up, or the gateway cannot be reached
    (nothing is charged then)."""
    gateway = gateways.gateway_for(gateway_code)
    scene = gateway.scene_for(device)
    with transaction.atomic():
        order = lock_row(Order, order.pk)  # the closing sweep takes the same lock
        if order.status != Order.Status.PLACED:
            raise ValidationError(NOT_AWAITING_PAYMENT, code="not_awaiting_payment")
        if order.payment_method not in gateways.ONLINE_METHODS:
            raise ValidationError(NOT_ONLINE, code="not_online")
        expires_at = pay_deadline(order)
        if timezone.now() >= expires_at:
            raise ValidationError(TIME_IS_UP, code="time_is_up")
        if order.payment_method != gateway_code:
            order.payment_method = gateway_code
            order.save(update_fields=["payment_method", "updated_at"])
        payment = (
            Payment.objects.filter(
                order=order,
                gateway=gateway_code,
                scene=scene,
                state=Payment.State.PENDING,
                amount=amount_due(order),  # not one of a total a shop's cancel made smaller
            )
            .order_by("-created_at")
            .first()
        )
        if payment is None:
            payment = Payment.objects.create(
                order=order, gateway=gateway_code, scene=scene, amount=amount_due(order)
            )
    # The gateway is called outside any transaction: no row stays locked on the network.
    try:
        started = gateway.start(
            trade_number=payment.trade_number,
            amount_fen=to_fen(payment.amount),
            subject=_subject(order),
            device=device,
            return_url=settings.SITE_URL + reverse("payments:return", args=[order.number]),
            notify_url=gateways.notify_url(gateway_code),
            client_ip=client_ip,
            expires_at=expires_at,
        )
    except GatewayError as error:
        raise ValidationError(
            GATEWAY_UNAVAILABLE % {"gateway": Payment(gateway=gateway_code).get_gateway_display()},
            code="gateway_unavailable",
        ) from error
    Payment.objects.filter(pk=payment.pk).update(
        resume_url=started.redirect_url, qr_text=started.qr_text
    )
    payment.resume_url, payment.qr_text = started.redirect_url, started.qr_text
    return payment


def _subject(order: Order) -> str:
    """What the gateway's page and the shopper's statement show: the store and the order
    number (in Chinese, as the gateways' apps are)."""
    return f"湖北集市订单 {order.number}"

"""Unpaid orders close: online ones after PAYMENT_TIMEOUT_MINUTES, bank transfers after
BANK_TRANSFER_TIMEOUT_HOURS. Beat's sweep works in batches; for each order it first asks
the gateway whether a trade was paid meanwhile (then the order is paid, not closed),
closes the trades at the gateway so that none can be paid any more, and only then closes
the order, under the lock a notification takes too: one outcome, whichever comes first."""

from datetime import timedelta
from enum import Enum

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.db import lock_row
from orders import services as orders
from orders.models import Order
from payments import gateways
from payments.gateways.base import GatewayError
from payments.models import Payment
from payments.services.confirming import Outcome, record_payment

CLOSE_BATCH = 200


class Closing(Enum):
    CLOSED = "closed"
    PAID = "paid"  # a gateway said it was paid: taken, not closed
    LATER = "later"  # a gateway could not be reached, or a new trade began: next sweep
    SKIPPED = "skipped"  # not awaiting payment any more


def overdue_orders(limit: int = CLOSE_BATCH) -> list[Order]:
    """Unpaid orders past their time to pay, oldest first."""
    now = timezone.now()
    online = now - timedelta(minutes=settings.PAYMENT_TIMEOUT_MINUTES)
    bank = now - timedelta(hours=settings.BANK_TRANSFER_TIMEOUT_HOURS)
    return list(
        Order.objects.filter(status=Order.Status.PLACED)
        .filter(
            Q(payment_method__in=gateways.ONLINE_METHODS, created_at__lt=online)
            | Q(payment_method=Order.PaymentMethod.BANK_TRANSFER, created_at__lt=bank)
        )
        .order_by("created_at")[:limit]
    )


def close_overdue_orders(limit: int = CLOSE_BATCH) -> dict[str, int]:
    """One batch of the sweep; {outcome: count}."""
    counts: dict[str, int] = {}
    for order in overdue_orders(limit):
        outcome = close_overdue_order(order)
        counts[outcome.value] = counts.get(outcome.value, 0) + 1
    return counts


def close_overdue_order(order: Order) -> Closing:
    """Ask, close at the gateway, then close the order (see the module's docstring)."""
    for payment in Payment.objects.filter(order=order, state=Payment.State.PENDING):
        outcome = take_or_close(payment)
        if outcome is not None:
            return outcome
    with transaction.atomic():
        locked = lock_row(Order, order.pk)
        if locked.status != Order.Status.PLACED:
            return Closing.SKIPPED
        if Payment.objects.filter(order=order, state=Payment.State.PENDING).exists():
            return Closing.LATER  # a trade started meanwhile: closed in the next sweep
        orders.close_unpaid_order(locked)
    return Closing.CLOSED


def take_or_close(payment: Payment) -> Closing | None:
    """One pending trade of an overdue order: paid meanwhile (taken: PAID), or closed at
    the gateway (None: go on), or unreachable (LATER)."""
    try:
        gateway = gateways.gateway_for(payment.gateway)
        state = gateway.query(payment.trade_number)
        if state.state != "paid":
            closed = gateway.close(payment.trade_number)
            if not closed:  # paid between the question and the close
                state = gateway.query(payment.trade_number)
    except (GatewayError, KeyError):
        return Closing.LATER
    if state.state == "paid":
        outcome = record_payment(
            payment,
            amount_fen=state.amount_fen,
            gateway_trade_id=state.gateway_trade_id,
            paid_at=state.paid_at,
            raw=state.raw,
        )
        return Closing.PAID if outcome == Outcome.PAID else Closing.SKIPPED
    Payment.objects.filter(pk=payment.pk, state=Payment.State.PENDING).update(
        state=Payment.State.CLOSED, closed_at=timezone.now()
    )
    return None


def close_pending_payments(order_id: int) -> int:
    """The worker closes an order's pending trades at their gateways (it was paid through
    another, or cancelled); a trade paid meanwhile is taken (and so refunded, as its
    order waits no more). Returns how many are closed or taken."""
    done = 0
    for payment in Payment.objects.filter(order_id=order_id, state=Payment.State.PENDING):
        if take_or_close(payment) != Closing.LATER:
            done += 1
    return done


def close_abandoned_payments(limit: int = CLOSE_BATCH) -> int:
    """Beat's sweep: pending trades of orders no longer awaiting payment (paid through
    another trade, cancelled, closed) whose closing hand-over was lost."""
    cutoff = timezone.now() - timedelta(minutes=settings.PAYMENT_PENDING_CHECK_MINUTES)
    order_ids = (
        Payment.objects.filter(state=Payment.State.PENDING, created_at__lt=cutoff)
        .exclude(order__status=Order.Status.PLACED)
        .order_by("created_at")
        .values_list("order_id", flat=True)[:limit]
    )
    return sum(close_pending_payments(order_id) for order_id in set(order_ids))

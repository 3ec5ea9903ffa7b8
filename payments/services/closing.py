"""Unpaid orders close: online ones after PAYMENT_TIMEOUT_MINUTES, bank transfers after
BANK_TRANSFER_TIMEOUT_HOURS. Beat's sweep works in batches; for each order it first asks
the gateway whether a trade was paid meanwhile (then the order is paid, not closed),
closes the trades at the gateway so that none can be paid any more, and only then closes
the order, under the lock a notification takes too: one outcome, whichever comes first."""

import logging
import time
from datetime import datetime, timedelta
from enum import Enum

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.db import lock_row
from orders import services as orders
from orders.models import Order
from payments import gateways
from payments.gateways.base import GatewayError
from payments.models import Payment
from payments.services.confirming import Outcome, record_queried_payment

CLOSE_BATCH = 200
logger = logging.getLogger("payments")


class Closing(Enum):
    CLOSED = "closed"
    PAID = "paid"  # a gateway said it was paid: taken, not closed
    LATER = "later"  # a gateway could not be reached, or a new trade began: next sweep
    SKIPPED = "skipped"  # not awaiting payment any more


SWEEP_CURSOR_KEY = "payments:closing-cursor"
# A run stops starting new orders after this long (beat starts one a minute): a gateway
# that answers slowly never piles runs up on the worker.
SWEEP_BUDGET_SECONDS = 45


def overdue_orders(limit: int = CLOSE_BATCH, after: tuple | None = None) -> list[Order]:
    """Unpaid orders past their time to pay, oldest first (after `after`, a
    (created_at, pk) of the last one a previous run reached)."""
    now = timezone.now()
    online = now - timedelta(minutes=settings.PAYMENT_TIMEOUT_MINUTES)
    bank = now - timedelta(hours=settings.BANK_TRANSFER_TIMEOUT_HOURS)
    orders = Order.objects.filter(status=Order.Status.PLACED).filter(
        Q(payment_method__in=gateways.ONLINE_METHODS, created_at__lt=online)
        | Q(payment_method=Order.PaymentMethod.BANK_TRANSFER, created_at__lt=bank)
    )
    if after is not None:
        orders = orders.filter(Q(created_at__gt=after[0]) | Q(created_at=after[0], pk__gt=after[1]))
    return list(orders.order_by("created_at", "pk")[:limit])


def close_overdue_orders(limit: int = CLOSE_BATCH) -> dict[str, int]:
    """One run of the sweep; {outcome: count}. Each run goes on from where the last one
    stopped (a cursor in the cache), so an order that must wait (its gateway unreachable
    or not configured) never keeps the ones behind it waiting; at the end of the list the
    next run starts again from the oldest. Lost with the cache, it starts from the oldest."""
    counts: dict[str, int] = {}
    started = time.monotonic()
    after = _cursor()
    batch = overdue_orders(limit, after)
    for order in batch:
        if time.monotonic() - started > SWEEP_BUDGET_SECONDS:
            break
        outcome = close_overdue_order(order)
        counts[outcome.value] = counts.get(outcome.value, 0) + 1
        after = (order.created_at, order.pk)
    _remember_cursor(after if len(batch) == limit else None)
    return counts


def _cursor() -> tuple | None:
    try:
        value = cache.get(SWEEP_CURSOR_KEY)
    except Exception:  # noqa: BLE001 (no cache: from the oldest)
        return None
    if not value:
        return None
    return datetime.fromisoformat(value[0]), value[1]


def _remember_cursor(after: tuple | None) -> None:
    try:
        if after is None:
            cache.delete(SWEEP_CURSOR_KEY)
        else:
            cache.set(SWEEP_CURSOR_KEY, [after[0].isoformat(), after[1]], 3600)
    except Exception:  # noqa: BLE001, S110 (no cache: the next run starts from the oldest)
        pass


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
    except KeyError:
        logger.error(
            "payment %s: its gateway %s is not configured; its order cannot close",
            payment,
            payment.gateway,
        )
        return Closing.LATER
    except GatewayError:
        return Closing.LATER
    if state.state == "paid":
        outcome = record_queried_payment(payment, state)
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

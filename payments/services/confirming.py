"""A payment becomes paid: from a verified notification, or from a query of the gateway
(the shopper came back, or a sweep asked about a payment pending too long). Only the
gateway's word for exactly the amount due makes a payment paid; the same word twice is
one payment; money that arrives for an order no longer waiting for it goes back at once."""

import json
import logging
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from core.db import lock_row
from orders import services as orders
from orders.models import Order, OrderPart
from payments import gateways
from payments.gateways.base import (
    Gateway,
    GatewayError,
    NotificationAnswer,
    NotificationRefused,
    TradeState,
)
from payments.models import GatewayNotification, Payment, Refund
from payments.money import to_fen
from payments.services.refunds import refund_payment
from payments.tasks_queue import queue_close_payments

logger = logging.getLogger("payments")
PENDING_BATCH = 100
# A sweep stops asking after this long (beat starts one a minute).
SWEEP_BUDGET_SECONDS = 45
BODY_KEPT = 8000


class Outcome(Enum):
    PAID = "paid"  # the order is paid by it
    REPEATED = "repeated"  # already taken (a gateway's retry, a query after the notify)
    REFUNDED = "refunded"  # money for an order closed or paid already: given back
    WRONG_AMOUNT = "wrong_amount"  # not the amount due: refused, nothing changed


# What the notification log says of each outcome (staff read it in the admin).
VERDICT_REASONS = {
    Outcome.PAID: "the order is paid",
    Outcome.REPEATED: "taken already (a gateway's retry, or asked first)",
    Outcome.REFUNDED: "refunded at once: the order was closed or paid already",
}


def record_payment(
    payment: Payment,
    *,
    amount_fen: int,
    gateway_trade_id: str,
    paid_at: datetime | None,
    raw: dict,
) -> Outcome:
    """The gateway says `payment` was paid `amount_fen`. One transaction: the order is
    locked (as the closing sweep locks it), the payment marked paid once (a conditional
    UPDATE, so a notification and a query at the same moment take it once), then the
    order confirmed, or, if it closed or another payment paid it meanwhile, this money
    refunded in full with the reason."""
    if amount_fen != to_fen(payment.amount):
        return Outcome.WRONG_AMOUNT
    with transaction.atomic():
        order = lock_row(Order, payment.order_id)
        paid = {
            "state": Payment.State.PAID,
            "gateway_trade_id": gateway_trade_id,
            "paid_at": paid_at or timezone.now(),
            "raw_confirmation": raw,
        }
        taken = Payment.objects.filter(
            Q(state=Payment.State.PENDING) | Q(state=Payment.State.CLOSED), pk=payment.pk
        ).update(**paid)
        if not taken:
            payment.refresh_from_db()
            return Outcome.REPEATED
        for name, value in paid.items():  # what the UPDATE wrote: no need to read it back
            setattr(payment, name, value)
        # The order's other payments, read once under the order's lock (which starting
        # and closing a payment take too, so they cannot change before the commit).
        others = set(
            Payment.objects.filter(order=order)
            .exclude(pk=payment.pk)
            .values_list("state", flat=True)
            .distinct()
        )
        already_paid = bool(others & {Payment.State.PAID, Payment.State.REFUNDED_IN_PART})
        if order.status == Order.Status.PLACED and not already_paid:
            if order.payment_method != payment.gateway:  # paid the other one after switching
                order.payment_method = payment.gateway
                order.save(update_fields=["payment_method", "updated_at"])
            orders.confirm_payment(
                order,
                by=None,
                note=f"{payment.get_gateway_display()} {gateway_trade_id}"[:300],
            )
            if Payment.State.PENDING in others:
                queue_close_payments(order.pk)  # its other trades: nobody pays twice
            due = OrderPart.objects.filter(order_id=order.pk).exclude(
                status=OrderPart.Status.CANCELLED
            ).aggregate(due=Sum(F("subtotal") + F("shipping_fee")))["due"] or Decimal("0")
            if payment.amount > due:  # a trade started before a shop cancelled its part
                refund_payment(payment, payment.amount - due, reason=Refund.Reason.PART_CANCELLED)
            return Outcome.PAID
        reason = Refund.Reason.PAID_TWICE if already_paid else Refund.Reason.PAID_AFTER_CLOSE
        Payment.objects.filter(pk=payment.pk).update(note=str(reason.label))
        refund_payment(payment, payment.amount, reason=reason)
        logger.warning("payment %s of order %s refunded at once: %s", payment, order.number, reason)
        return Outcome.REFUNDED


def handle_notification(
    gateway_code: str, *, headers: Mapping[str, str], body: bytes, form: Mapping[str, str]
) -> NotificationAnswer:
    """What notify_url does with a request: verified by the gateway (signature, merchant
    id, decryption), then matched to one of our payments through that gateway and its
    amount; recorded (once); logged with its verdict. A refused one changes nothing and
    is answered with an error (the gateway sends it again; a forgery never succeeds)."""
    gateway = gateways.gateway_for(gateway_code)
    log = GatewayNotification(
        gateway=gateway_code,
        headers={k: _kept(v, 500) for k, v in headers.items() if k.lower().startswith("wechatpay")},
        body=_kept(body.decode("utf-8", "replace"), BODY_KEPT),
    )
    try:
        notified = gateway.verify_notification(headers=headers, body=body, form=form)
    except NotificationRefused as refused:
        return _refuse(gateway, log, refused.reason)
    log.trade_number = _kept(notified.trade_number, 64)
    log.body = _kept(json.dumps(notified.raw, ensure_ascii=False, default=str), BODY_KEPT)
    payment = (
        Payment.objects.filter(gateway=gateway_code, trade_number=notified.trade_number).first()
        if "\x00" not in notified.trade_number
        else None
    )
    if payment is None:
        return _refuse(gateway, log, f"no payment has trade number {notified.trade_number!r}")
    log.payment = payment
    if not notified.paid:  # a trade closed or still waiting: nothing to take
        log.verdict, log.reason = (
            GatewayNotification.Verdict.ACCEPTED,
            "not a payment (nothing to do)",
        )
        log.save()
        return gateway.answer(True)
    outcome = record_payment(
        payment,
        amount_fen=notified.amount_fen,
        gateway_trade_id=notified.gateway_trade_id,
        paid_at=notified.paid_at,
        raw=notified.raw,
    )
    if outcome == Outcome.WRONG_AMOUNT:
        return _refuse(
            gateway,
            log,
            f"amount {notified.amount_fen} fen, but {to_fen(payment.amount)} fen are due",
        )
    log.verdict = (
        GatewayNotification.Verdict.REPEATED
        if outcome == Outcome.REPEATED
        else GatewayNotification.Verdict.ACCEPTED
    )
    log.reason = VERDICT_REASONS[outcome]
    log.save()
    return gateway.answer(True)


def _kept(text: str, length: int) -> str:
    """As much of `text` as the log keeps, without the NUL bytes PostgreSQL refuses (a
    forged notification may carry anything)."""
    return str(text).replace("\x00", "\ufffd")[:length]


def _refuse(gateway: Gateway, log: GatewayNotification, reason: str) -> NotificationAnswer:
    log.verdict, log.reason = GatewayNotification.Verdict.REFUSED, _kept(reason, 200)
    log.save()
    logger.warning("%s notification refused: %s", log.gateway, reason)
    return gateway.answer(False, reason)


def sync_payment(payment: Payment) -> Outcome | None:
    """Ask the gateway about a pending payment and take what it says: the outcome when
    it was paid, else None (unpaid, closed, unknown, or the gateway unreachable)."""
    if payment.state != Payment.State.PENDING:
        return None
    try:
        state = gateways.gateway_for(payment.gateway).query(payment.trade_number)
    except (GatewayError, KeyError):
        return None
    if state.state != "paid":
        return None
    return record_queried_payment(payment, state)


def record_queried_payment(payment: Payment, state: TradeState) -> Outcome:
    """The gateway answered a query: `payment` was paid (record_payment); another amount
    than asked is logged for staff."""
    outcome = record_payment(
        payment,
        amount_fen=state.amount_fen,
        gateway_trade_id=state.gateway_trade_id,
        paid_at=state.paid_at,
        raw=state.raw,
    )
    if outcome == Outcome.WRONG_AMOUNT:
        wrong_amount_paid(payment, state.amount_fen)
    return outcome


def wrong_amount_paid(payment: Payment, amount_fen: int) -> None:
    """The gateway itself says a trade was paid another amount than we asked for (it
    never should: the amount is signed): nothing is confirmed, and staff must look."""
    logger.error(
        "payment %s of order %s: the gateway says %s fen were paid, %s fen are due",
        payment,
        payment.order_id,
        amount_fen,
        to_fen(payment.amount),
    )
    Payment.objects.filter(pk=payment.pk).update(
        note=f"gateway says {amount_fen} fen paid, {to_fen(payment.amount)} due"[:200]
    )


def sync_order_payments(order: Order) -> bool:
    """The shopper is back from the gateway: ask about each pending payment of the order
    (never trusting the return URL's parameters). True when the order is paid now."""
    for payment in Payment.objects.filter(order=order, state=Payment.State.PENDING):
        if sync_payment(payment) == Outcome.PAID:
            return True
    return Order.objects.filter(pk=order.pk, status=Order.Status.CONFIRMED).exists()


def check_pending_payments() -> int:
    """Beat's sweep: payments pending longer than PAYMENT_PENDING_CHECK_MINUTES, of
    orders still awaiting payment, asked of their gateway (a lost or late notification
    does not leave an order unpaid). Returns how many were found paid."""
    now = timezone.now()
    cutoff = now - timedelta(minutes=settings.PAYMENT_PENDING_CHECK_MINUTES)
    pending = list(
        Payment.objects.filter(
            Q(checked_at__isnull=True) | Q(checked_at__lt=cutoff),
            state=Payment.State.PENDING,
            created_at__lt=cutoff,
            order__status=Order.Status.PLACED,
        ).order_by(F("checked_at").asc(nulls_first=True), "created_at")[:PENDING_BATCH]
    )
    Payment.objects.filter(pk__in=[p.pk for p in pending]).update(checked_at=now)
    started, paid = time.monotonic(), 0
    for payment in pending:
        if time.monotonic() - started > SWEEP_BUDGET_SECONDS:
            break  # the rest were marked asked: they come first again in a few minutes
        paid += sync_payment(payment) == Outcome.PAID
    return paid

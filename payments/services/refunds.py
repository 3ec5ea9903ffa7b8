"""Refunds: money given back on a captured payment, through its gateway, with our own
refund number (asked again, the gateway refunds once). The refunded total of a payment
is raised by one conditional UPDATE before the gateway is asked, so concurrent requests
never give back more than was captured; a refund the gateway refuses gives its share
back to what may still be refunded."""

import logging
import time
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import Order, OrderPart
from payments import gateways, refund_hooks
from payments import messages as payment_messages
from payments.gateways.base import GatewayError, RefundState
from payments.models import Payment, Refund
from payments.money import to_fen
from payments.tasks_queue import queue_close_payments, queue_refund

logger = logging.getLogger("payments")
MORE_THAN_PAID = _("That is more than is left to refund on this order (%(left)s).")
MORE_THAN_PART = _("That is more than this shop's part of the order cost (%(subtotal)s).")
NOTHING_PAID = _("This order has no online payment to refund.")
NOT_POSITIVE = _("Enter an amount above zero.")
RETRY_BATCH = 100
SWEEP_BUDGET_SECONDS = 45


def refund_payment(
    payment: Payment,
    amount: Decimal,
    *,
    reason: str,
    part: OrderPart | None = None,
    lines: list[dict] | None = None,
    by: AbstractBaseUser | None = None,
    note: str = "",
) -> Refund:
    """Give `amount` of a captured payment back: recorded now (pending), asked of the
    gateway after the commit by the worker. Raises ValidationError when it is not above
    zero or more than is left to refund, whatever other refunds run at the same moment."""
    if amount <= 0:
        raise ValidationError(NOT_POSITIVE, code="not_positive")
    with transaction.atomic():
        taken = Payment.objects.filter(
            pk=payment.pk,
            state__in=[Payment.State.PAID, Payment.State.REFUNDED_IN_PART],
            refunded__lte=F("amount") - amount,
        ).update(refunded=F("refunded") + amount)
        if not taken:
            payment.refresh_from_db()
            raise ValidationError(
                MORE_THAN_PAID % {"left": f"¥{payment.refundable}"}, code="more_than_paid"
            )
        refund = Refund.objects.create(
            payment=payment,
            part=part,
            amount=amount,
            lines=lines or [],
            reason=reason,
            note=note[:200],
            by=by,
        )
        refund_hooks.refund_requested(refund)
        queue_refund(refund.pk)
    return refund


def captured_payment(order: Order) -> Payment | None:
    """The payment that paid `order` (the first, should two have: the other is refunded
    on arrival), with money left or not; None when unpaid."""
    return (
        Payment.objects.filter(
            order=order, state__in=[Payment.State.PAID, Payment.State.REFUNDED_IN_PART]
        )
        .order_by("paid_at")
        .first()
    )


def refund_order(
    order: Order,
    amount: Decimal | None = None,
    *,
    reason: str,
    part: OrderPart | None = None,
    lines: list[dict] | None = None,
    by: AbstractBaseUser | None = None,
    note: str = "",
) -> Refund:
    """Refund an amount of a paid order: all that is left (amount None), or an amount
    of it (lines of one vendor's `part`, say). The after-sales and settlement issues
    build on this."""
    if part is not None and part.order_id != order.pk:
        raise ValueError(f"part {part.pk} is not of order {order.number}")
    payment = captured_payment(order)
    if payment is None:
        raise ValidationError(NOTHING_PAID, code="nothing_paid")
    # A part cost its goods and its shipping fee (part.amount): both are refunded with it.
    if amount is None:
        amount = payment.refundable if part is None else min(part.amount, payment.refundable)
    if part is not None and amount > part.amount:
        raise ValidationError(
            MORE_THAN_PART % {"subtotal": f"¥{part.amount}"}, code="more_than_part"
        )
    return refund_payment(payment, amount, reason=reason, part=part, lines=lines, by=by, note=note)


def refund_cancelled_parts(
    order: Order, parts: list[OrderPart], *, by: AbstractBaseUser | None
) -> Refund | None:
    """Inside the transaction that cancels `parts` (orders call it through the payment
    method): a paid order's cancelled parts are refunded, the whole order's remaining
    money when it is cancelled whole. Unpaid: its pending trades are closed at their
    gateways after the commit (money paid into one meanwhile is refunded on arrival),
    whether the order is cancelled whole or a shop cancelled its part (those trades ask
    for the old total; the shopper's next payment asks for what is due now)."""
    payment = captured_payment(order)
    if payment is None:
        queue_close_payments(order.pk)
        return None
    whole = order.status == Order.Status.CANCELLED
    # A cancelled part is refunded with its shipping fee (part.amount: goods and shipping),
    # less what after-sales refunded of it already (a line cancelled before shipment).
    amount = (
        payment.refundable if whole else sum((p.amount - p.refunded for p in parts), Decimal("0"))
    )
    amount = min(amount, payment.refundable)
    if amount <= 0:
        return None
    return refund_payment(
        payment,
        amount,
        reason=Refund.Reason.ORDER_CANCELLED if whole else Refund.Reason.PART_CANCELLED,
        part=None if whole or len(parts) != 1 else parts[0],
        by=by,
    )


def process_refund(refund_id: int) -> Refund | None:
    """The worker asks the gateway for a pending refund (again: the same refund number
    refunds once) and records its answer. Unreachable, or still processing: it stays
    pending, for the sweep."""
    refund = Refund.objects.select_related("payment").filter(pk=refund_id).first()
    if refund is None or refund.state != Refund.State.PENDING:
        return refund
    payment = refund.payment
    Refund.objects.filter(pk=refund.pk).update(attempts=F("attempts") + 1)
    try:
        gateway = gateways.gateway_for(payment.gateway)
        answer = gateway.refund(
            trade_number=payment.trade_number,
            refund_number=refund.refund_number,
            amount_fen=to_fen(refund.amount),
            total_fen=to_fen(payment.amount),
            reason=str(refund.get_reason_display())[:80],
        )
    except (GatewayError, KeyError) as error:
        Refund.objects.filter(pk=refund.pk).update(last_answer={"error": str(error)[:500]})
        logger.warning("refund %s not sent: %s", refund, error)
        return refund
    return record_refund_answer(refund, answer)


def record_refund_answer(refund: Refund, answer: RefundState) -> Refund:
    """Take the gateway's word about a pending refund: succeeded (the payment's state
    follows, the shopper is told), failed (its amount may be refunded again), or still
    pending."""
    with transaction.atomic():
        if answer.state == "pending":
            Refund.objects.filter(pk=refund.pk).update(last_answer=answer.raw)
            return refund
        new_state = Refund.State.SUCCEEDED if answer.state == "succeeded" else Refund.State.FAILED
        changed = Refund.objects.filter(pk=refund.pk, state=Refund.State.PENDING).update(
            state=new_state,
            gateway_refund_id=answer.gateway_refund_id[:64],
            last_answer=answer.raw,
            finished_at=timezone.now(),
        )
        refund.refresh_from_db()
        if not changed:
            return refund
        payment = refund.payment
        if new_state == Refund.State.FAILED:
            Payment.objects.filter(pk=payment.pk).update(refunded=F("refunded") - refund.amount)
            logger.error("refund %s refused by the gateway: %s", refund, answer.raw)
            refund_hooks.refund_failed(refund)
            return refund
        succeeded = Refund.objects.filter(payment=payment, state=Refund.State.SUCCEEDED).aggregate(
            total=Sum("amount")
        )["total"] or Decimal("0")
        Payment.objects.filter(pk=payment.pk).update(
            state=Payment.State.REFUNDED
            if succeeded >= payment.amount
            else Payment.State.REFUNDED_IN_PART
        )
        payment_messages.notify_refunded(refund)
    return refund


def retry_pending_refunds() -> int:
    """Beat's sweep: refunds still pending a minute after they were asked (the gateway
    was unreachable, or is processing) asked again; returns how many finished."""
    cutoff = timezone.now() - timezone.timedelta(minutes=1)
    pending = (
        Refund.objects.filter(state=Refund.State.PENDING, created_at__lt=cutoff)
        .select_related("payment")
        .order_by("created_at")[:RETRY_BATCH]
    )
    finished, started = 0, time.monotonic()
    for refund in pending:
        if time.monotonic() - started > SWEEP_BUDGET_SECONDS:
            break  # beat starts the next run within a minute
        if refund.attempts:
            try:
                answer = gateways.gateway_for(refund.payment.gateway).query_refund(
                    trade_number=refund.payment.trade_number, refund_number=refund.refund_number
                )
            except (GatewayError, KeyError):
                continue
            if answer.state == "failed":  # never reached the gateway: ask for it again
                result = process_refund(refund.pk)
            else:
                result = record_refund_answer(refund, answer)
        else:
            result = process_refund(refund.pk)
        finished += result is not None and result.state != Refund.State.PENDING
    return finished

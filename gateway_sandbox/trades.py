"""What the sandbox gateway does with a trade, whatever protocol asked: create it, let
the buyer pay, close it, refund it, list a day's bill. Each change is one transaction
with conditional UPDATEs, so racing calls (a close and a payment, ten refunds) end as the
real gateways' do: one outcome, never more refunded than paid."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from gateway_sandbox.models import SandboxNotice, SandboxRefund, SandboxTrade
from gateway_sandbox.tasks import deliver_notice_task

logger = logging.getLogger("gateway_sandbox")


class TradeRefused(Exception):
    """The gateway refuses the call; `code` is the protocol-neutral reason:
    "not_found", "paid" (cannot close), "closed" (cannot pay), "not_paid" (cannot refund),
    "exceeds" (refund over what is left), "mismatch" (same number, other values)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def create_trade(
    *,
    gateway: str,
    merchant_id: str,
    trade_number: str,
    scene: str,
    subject: str,
    amount_fen: int,
    notify_url: str,
    return_url: str = "",
    expires_at: datetime | None = None,
) -> SandboxTrade:
    """The trade, created on first ask; asked again with the same trade number (the store
    resuming a payment), the one already there, if its amount is the same."""
    existing = SandboxTrade.objects.filter(
        gateway=gateway, merchant_id=merchant_id, trade_number=trade_number
    ).first()
    if existing is None:
        try:
            with transaction.atomic():
                existing = SandboxTrade.objects.create(
                    gateway=gateway,
                    merchant_id=merchant_id,
                    trade_number=trade_number,
                    scene=scene,
                    subject=subject[:256],
                    amount_fen=amount_fen,
                    notify_url=notify_url,
                    return_url=return_url,
                    expires_at=expires_at,
                )
        except IntegrityError:  # created at the same moment by another request
            existing = SandboxTrade.objects.get(
                gateway=gateway, merchant_id=merchant_id, trade_number=trade_number
            )
    if existing.amount_fen != amount_fen:
        raise TradeRefused("mismatch")
    if return_url and existing.return_url != return_url:
        SandboxTrade.objects.filter(pk=existing.pk).update(return_url=return_url)
        existing.return_url = return_url
    return existing


def find_trade(gateway: str, merchant_id: str, trade_number: str) -> SandboxTrade:
    trade = SandboxTrade.objects.filter(
        gateway=gateway, merchant_id=merchant_id, trade_number=trade_number
    ).first()
    if trade is None:
        raise TradeRefused("not_found")
    return trade


def pay(trade: SandboxTrade) -> SandboxTrade:
    """The buyer pressed Pay: the trade is paid (once), and a notification to the store
    is owed, sent after the commit."""
    now = timezone.now()
    if trade.expires_at and now > trade.expires_at and trade.state == trade.State.WAITING:
        raise TradeRefused("closed")
    with transaction.atomic():
        changed = SandboxTrade.objects.filter(pk=trade.pk, state=SandboxTrade.State.WAITING).update(
            state=SandboxTrade.State.PAID, paid_at=now
        )
        trade.refresh_from_db()
        if not changed:
            if trade.state == SandboxTrade.State.PAID:
                return trade  # paid already: a second click changes nothing
            raise TradeRefused("closed")
        notice = SandboxNotice.objects.create(trade=trade)
        transaction.on_commit(lambda: _send_soon(notice.pk))
    return trade


def _send_soon(notice_id: int) -> None:
    """Hand the notice to the worker; the broker down, the payment stands all the same
    (committed already) and beat's sweep sends the notice, due at once, later."""
    try:
        deliver_notice_task.delay(notice_id)
    except Exception:  # noqa: BLE001 - a real gateway's page never fails on it either
        logger.warning("could not queue notice %s; beat's sweep will send it", notice_id)


def close(trade: SandboxTrade) -> SandboxTrade:
    """Close an unpaid trade; a paid one cannot be closed ("paid")."""
    with transaction.atomic():
        SandboxTrade.objects.filter(pk=trade.pk, state=SandboxTrade.State.WAITING).update(
            state=SandboxTrade.State.CLOSED, closed_at=timezone.now()
        )
        trade.refresh_from_db()
    if trade.state == SandboxTrade.State.PAID:
        raise TradeRefused("paid")
    return trade


def refund(
    trade: SandboxTrade, *, refund_number: str, amount_fen: int, reason: str = ""
) -> SandboxRefund:
    """Refund part of a paid trade. The same refund number again is the same refund (its
    amount must match); the refunds of a trade never pass what was paid."""
    existing = SandboxRefund.objects.filter(trade=trade, refund_number=refund_number).first()
    if existing is not None:
        if existing.amount_fen != amount_fen:
            raise TradeRefused("mismatch")
        return existing
    if trade.state != SandboxTrade.State.PAID:
        raise TradeRefused("not_paid")
    if amount_fen <= 0:
        raise TradeRefused("exceeds")
    try:
        with transaction.atomic():
            taken = SandboxTrade.objects.filter(
                pk=trade.pk, refunded_fen__lte=F("amount_fen") - amount_fen
            ).update(refunded_fen=F("refunded_fen") + amount_fen)
            if not taken:
                raise TradeRefused("exceeds")
            return SandboxRefund.objects.create(
                trade=trade, refund_number=refund_number, amount_fen=amount_fen, reason=reason
            )
    except IntegrityError:  # the same number at the same moment: that one stands
        existing = SandboxRefund.objects.get(trade=trade, refund_number=refund_number)
        if existing.amount_fen != amount_fen:
            raise TradeRefused("mismatch") from None
        return existing


def find_refund(trade: SandboxTrade, refund_number: str) -> SandboxRefund:
    found = SandboxRefund.objects.filter(trade=trade, refund_number=refund_number).first()
    if found is None:
        raise TradeRefused("not_found")
    return found


@dataclass(frozen=True)
class BillLine:
    kind: str  # "payment" or "refund"
    trade: SandboxTrade
    refund: SandboxRefund | None
    at: datetime
    amount_fen: int


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))  # Asia/Shanghai
    return start, start + timedelta(days=1)


def bill(gateway: str, merchant_id: str, day: date) -> list[BillLine]:
    """The payments and refunds of `day` (Asia/Shanghai), in time order."""
    start, end = day_bounds(day)
    paid: Iterable[SandboxTrade] = SandboxTrade.objects.filter(
        gateway=gateway, merchant_id=merchant_id, paid_at__gte=start, paid_at__lt=end
    )
    refunds: Iterable[SandboxRefund] = SandboxRefund.objects.filter(
        trade__gateway=gateway,
        trade__merchant_id=merchant_id,
        created_at__gte=start,
        created_at__lt=end,
        state=SandboxRefund.State.SUCCEEDED,
    ).select_related("trade")
    lines = [BillLine("payment", t, None, t.paid_at, t.amount_fen) for t in paid]
    lines += [BillLine("refund", r.trade, r, r.created_at, r.amount_fen) for r in refunds]
    return sorted(lines, key=lambda line: line.at)

"""The daily reconciliation: our captured payments and succeeded refunds of a day, beside
each configured gateway's bill of that day, matched by our trade and refund numbers.

Every difference is a Mismatch with its kind: ours but not in the bill ("missing at the
gateway"), in the bill but not ours ("missing here"), or in both with other amounts
("amount differs"). A gateway whose bill cannot be fetched shows "bill unavailable"
beside our side of it. Reads only: two queries (payments, refunds) whatever the rows.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from payments import gateways
from payments.gateways.base import BillRow, GatewayError
from payments.models import Gateway, Payment, Refund
from payments.money import from_fen, to_fen

SHANGHAI = ZoneInfo("Asia/Shanghai")  # the gateways' bills are of days in China

CAPTURED = [Payment.State.PAID, Payment.State.REFUNDED_IN_PART, Payment.State.REFUNDED]

BILL_UNAVAILABLE = _("bill unavailable")


class MismatchKind(models.TextChoices):
    MISSING_AT_GATEWAY = "missing_at_gateway", _("missing at the gateway")
    MISSING_HERE = "missing_here", _("missing here")
    AMOUNT_DIFFERS = "amount_differs", _("amount differs")


class Entry(models.TextChoices):
    PAYMENT = "payment", pgettext_lazy("reconciliation", "payment")
    REFUND = "refund", pgettext_lazy("reconciliation", "refund")


@dataclass(frozen=True)
class Mismatch:
    """One payment or refund on which our records and the gateway's bill disagree."""

    kind: MismatchKind
    entry: Entry
    number: str  # our trade number (payment) or refund number (refund)
    trade_number: str
    ours: Decimal | None  # CNY; None when missing here
    theirs: Decimal | None  # CNY; None when missing at the gateway
    payment_id: int | None = None  # our row, for the admin's link
    refund_id: int | None = None

    @property
    def kind_label(self) -> str:
        return self.kind.label

    @property
    def entry_label(self) -> str:
        return self.entry.label


@dataclass(frozen=True)
class Totals:
    """One side's payments and refunds of the day: counts and sums in CNY."""

    payments: int = 0
    payments_total: Decimal = Decimal("0.00")
    refunds: int = 0
    refunds_total: Decimal = Decimal("0.00")

    @property
    def net(self) -> Decimal:
        return self.payments_total - self.refunds_total


@dataclass(frozen=True)
class GatewayReconciliation:
    """One gateway's day: our totals, the bill's (None when it could not be fetched,
    `error` says why), and the mismatches."""

    gateway: str
    ours: Totals
    bill: Totals | None
    mismatches: list[Mismatch] = field(default_factory=list)
    error: str = ""

    @property
    def label(self) -> str:
        return Gateway(self.gateway).label

    @property
    def unavailable(self) -> bool:
        return self.bill is None

    @property
    def matched(self) -> bool:
        return self.bill is not None and not self.mismatches


@dataclass(frozen=True)
class Reconciliation:
    """A day's reconciliation, one entry per configured gateway."""

    day: date
    gateways: list[GatewayReconciliation]

    @property
    def mismatches(self) -> list[Mismatch]:
        return [mismatch for each in self.gateways for mismatch in each.mismatches]

    @property
    def matched(self) -> bool:
        return all(each.matched for each in self.gateways)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The day in Asia/Shanghai, as [start, end) instants."""
    start = datetime.combine(day, time.min, tzinfo=SHANGHAI)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=SHANGHAI)


def yesterday() -> date:
    """Yesterday in Asia/Shanghai: the day whose bills the gateways have ready."""
    return (datetime.now(SHANGHAI) - timedelta(days=1)).date()


def reconcile(day: date) -> Reconciliation:
    """Our payments captured and refunds succeeded on `day` against each configured
    gateway's bill of it. A GatewayError fetching one bill shows as "bill unavailable"
    for that gateway; the others are still reconciled."""
    start, end = day_bounds(day)
    configured = gateways.configured()
    payments_by_gateway: dict[str, list[Payment]] = defaultdict(list)
    for payment in Payment.objects.filter(
        gateway__in=list(configured), state__in=CAPTURED, paid_at__gte=start, paid_at__lt=end
    ).only("pk", "gateway", "trade_number", "amount"):
        payments_by_gateway[payment.gateway].append(payment)
    refunds_by_gateway: dict[str, list[Refund]] = defaultdict(list)
    for refund in (
        Refund.objects.filter(
            payment__gateway__in=list(configured),
            state=Refund.State.SUCCEEDED,
            finished_at__gte=start,
            finished_at__lt=end,
        )
        .select_related("payment")
        .only(
            "pk", "refund_number", "amount", "payment", "payment__gateway", "payment__trade_number"
        )
    ):
        refunds_by_gateway[refund.payment.gateway].append(refund)
    results = []
    for code, gateway in configured.items():
        ours = payments_by_gateway[code]
        our_refunds = refunds_by_gateway[code]
        try:
            bill = gateway.bill(day)
        except GatewayError as error:
            results.append(
                GatewayReconciliation(
                    gateway=code,
                    ours=_our_totals(ours, our_refunds),
                    bill=None,
                    error=str(error)[:300],
                )
            )
            continue
        results.append(
            GatewayReconciliation(
                gateway=code,
                ours=_our_totals(ours, our_refunds),
                bill=_bill_totals(bill),
                mismatches=_payment_mismatches(ours, bill) + _refund_mismatches(our_refunds, bill),
            )
        )
    return Reconciliation(day=day, gateways=results)


def _our_totals(payments: list[Payment], refunds: list[Refund]) -> Totals:
    return Totals(
        payments=len(payments),
        payments_total=sum((p.amount for p in payments), Decimal("0.00")),
        refunds=len(refunds),
        refunds_total=sum((r.amount for r in refunds), Decimal("0.00")),
    )


def _bill_totals(bill: list[BillRow]) -> Totals:
    payments = [row.amount_fen for row in bill if row.kind == "payment"]
    refunds = [row.amount_fen for row in bill if row.kind == "refund"]
    return Totals(
        payments=len(payments),
        payments_total=from_fen(sum(payments)),
        refunds=len(refunds),
        refunds_total=from_fen(sum(refunds)),
    )


def _fen_by(rows: Iterable[BillRow], key: str) -> dict[str, tuple[int, BillRow]]:
    """The bill's rows by trade or refund number (a number twice: its amounts added)."""
    found: dict[str, tuple[int, BillRow]] = {}
    for row in rows:
        number = getattr(row, key)
        fen = found[number][0] if number in found else 0
        found[number] = (fen + row.amount_fen, row)
    return found


def _payment_mismatches(ours: list[Payment], bill: list[BillRow]) -> list[Mismatch]:
    ours_by_number = {
        p.trade_number: Mismatch(
            kind=MismatchKind.MISSING_AT_GATEWAY,
            entry=Entry.PAYMENT,
            number=p.trade_number,
            trade_number=p.trade_number,
            ours=p.amount,
            theirs=None,
            payment_id=p.pk,
        )
        for p in ours
    }
    return _mismatches(Entry.PAYMENT, ours_by_number, bill, "trade_number")


def _refund_mismatches(ours: list[Refund], bill: list[BillRow]) -> list[Mismatch]:
    ours_by_number = {
        r.refund_number: Mismatch(
            kind=MismatchKind.MISSING_AT_GATEWAY,
            entry=Entry.REFUND,
            number=r.refund_number,
            trade_number=r.payment.trade_number,
            ours=r.amount,
            theirs=None,
            payment_id=r.payment_id,
            refund_id=r.pk,
        )
        for r in ours
    }
    return _mismatches(Entry.REFUND, ours_by_number, bill, "refund_number")


def _mismatches(
    entry: Entry, ours: dict[str, Mismatch], bill: list[BillRow], key: str
) -> list[Mismatch]:
    """Ours (each drafted as missing at the gateway) beside the bill's rows of `entry`,
    matched by `key` (the trade or the refund number): what is left of either side, and
    what differs in amount."""
    billed = _fen_by((row for row in bill if row.kind == entry.value), key)
    mismatches = []
    for number, draft in sorted(ours.items()):
        fen_billed = billed.pop(number, (None, None))[0]
        if fen_billed is None:
            mismatches.append(draft)
        elif fen_billed != to_fen(draft.ours):
            mismatches.append(
                replace(draft, kind=MismatchKind.AMOUNT_DIFFERS, theirs=from_fen(fen_billed))
            )
    for number, (fen, row) in sorted(billed.items()):
        mismatches.append(
            Mismatch(
                kind=MismatchKind.MISSING_HERE,
                entry=entry,
                number=number,
                trade_number=row.trade_number,
                ours=None,
                theirs=from_fen(fen),
            )
        )
    return mismatches

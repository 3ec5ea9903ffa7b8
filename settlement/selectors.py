"""Reads of the books: a shop's balances, what becomes available when, statements for a
period. Each is a fixed number of queries, however many entries a shop has."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from catalog.models import Vendor
from settlement.models import BankAccount, LedgerEntry, Payout
from settlement.money import ZERO, Total

Kind = LedgerEntry.Kind

# How a statement groups the kinds (the release pair moves money from waiting to
# available and adds up to nothing).
STATEMENT_GROUPS = {
    "sales": (Kind.SALE,),
    "shipping": (Kind.SHIPPING,),
    "refunds": (Kind.REFUND,),
    "commission": (Kind.COMMISSION, Kind.COMMISSION_BACK, Kind.COD_COMMISSION),
    "adjustments": (Kind.ADJUSTMENT,),
    "payouts": (Kind.PAYOUT, Kind.PAYOUT_RETURNED),
    "released": (Kind.RELEASED_FROM, Kind.RELEASED),
}


@dataclass(frozen=True)
class Balances:
    """total = available + not yet available (waiting for receipt, or for the delay)."""

    total: Decimal
    available: Decimal

    @property
    def pending(self) -> Decimal:
        return self.total - self.available


def balances(vendor_id: int, at: datetime | None = None) -> Balances:
    """One query."""
    at = at or timezone.now()
    row = LedgerEntry.objects.filter(vendor_id=vendor_id, booked_at__lte=at).aggregate(
        total=Total("amount"), available=Total("amount", filter=Q(available_at__lte=at))
    )
    return Balances(total=row["total"] or ZERO, available=row["available"] or ZERO)


def available_by_vendor(at: datetime | None = None) -> dict[int, Decimal]:
    """vendor id -> money available now, for every shop with entries (one query)."""
    at = at or timezone.now()
    return dict(
        LedgerEntry.objects.filter(available_at__lte=at)
        .values("vendor_id")
        .annotate(available=Total("amount"))
        .values_list("vendor_id", "available")
    )


def becoming_available(vendor_id: int, at: datetime | None = None) -> list[dict]:
    """[{"day": date, "amount": Decimal}] of money that becomes available after `at`, by
    day (Asia/Shanghai), soonest first; money still waiting for receipt is not dated."""
    at = at or timezone.now()
    return list(
        LedgerEntry.objects.filter(vendor_id=vendor_id, available_at__gt=at)
        .annotate(day=TruncDate("available_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(amount=Total("amount"))
        .order_by("day")
    )


def waiting_for_receipt(vendor_id: int) -> Decimal:
    """Money of parts whose receipt is not confirmed yet (one query)."""
    return (
        LedgerEntry.objects.filter(vendor_id=vendor_id, available_at__isnull=True).aggregate(
            total=Total("amount")
        )["total"]
        or ZERO
    )


@dataclass
class Statement:
    vendor_id: int
    start: date
    end: date  # inclusive
    opening: Decimal
    totals: dict[str, Decimal] = field(default_factory=dict)
    entry_count: int = 0

    @property
    def movement(self) -> Decimal:
        return sum(self.totals.values(), ZERO)

    @property
    def closing(self) -> Decimal:
        return self.opening + self.movement


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the store's time zone."""
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def statement(vendor_id: int, start: date, end: date) -> Statement:
    """Opening balance, each group's total and the closing balance for the days
    start..end (two queries; the entries themselves: `statement_entries`)."""
    since, until = period_bounds(start, end)
    opening = (
        LedgerEntry.objects.filter(vendor_id=vendor_id, booked_at__lt=since).aggregate(
            total=Total("amount")
        )["total"]
        or ZERO
    )
    by_kind = dict.fromkeys(Kind.values, ZERO)
    count = 0
    for kind, total, n in (
        LedgerEntry.objects.filter(vendor_id=vendor_id, booked_at__gte=since, booked_at__lt=until)
        .values("kind")
        .annotate(total=Total("amount"), n=Count("id"))
        .values_list("kind", "total", "n")
    ):
        by_kind[kind], count = total, count + n
    totals = {
        group: sum((by_kind[k] for k in kinds), ZERO) for group, kinds in STATEMENT_GROUPS.items()
    }
    return Statement(vendor_id, start, end, opening, totals, count)


def statement_entries(vendor_id: int, start: date, end: date) -> QuerySet[LedgerEntry]:
    """The period's entries in order, with their order numbers and payout references
    (one query however many; paginate or iterate it)."""
    since, until = period_bounds(start, end)
    return (
        LedgerEntry.objects.filter(vendor_id=vendor_id, booked_at__gte=since, booked_at__lt=until)
        .select_related("part__order", "refund", "payout")
        .only(
            "kind",
            "amount",
            "available_at",
            "booked_at",
            "note",
            "reverses_id",
            "part__id",
            "part__order__number",
            "refund__refund_number",
            "payout__number",
        )
        .order_by("booked_at", "id")
    )


def week_of(day: date) -> tuple[date, date]:
    """Monday..Sunday of the week `day` falls in."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def payouts_of(vendor_id: int) -> QuerySet[Payout]:
    return Payout.objects.filter(vendor_id=vendor_id).order_by("-created_at", "-id")


@dataclass
class PayoutPreview:
    """What a payout run at `minimum` would do now (payouts.create_run's choice)."""

    minimum: Decimal
    shops: int = 0
    total: Decimal = ZERO
    no_bank_account: list[str] = field(default_factory=list)  # shop names


def payout_preview(minimum: Decimal) -> PayoutPreview:
    """How many shops a run at `minimum` would pay and how much in all, and the shops it
    would leave out for having no bank account (three queries)."""
    candidates = {v: amount for v, amount in available_by_vendor().items() if amount >= minimum}
    with_account = set(
        BankAccount.objects.filter(vendor_id__in=list(candidates)).values_list(
            "vendor_id", flat=True
        )
    )
    preview = PayoutPreview(minimum)
    for vendor_id, amount in candidates.items():
        if vendor_id in with_account:
            preview.shops += 1
            preview.total += amount
    left_out = [v for v in candidates if v not in with_account]
    if left_out:
        preview.no_bank_account = list(
            Vendor.objects.filter(pk__in=left_out).order_by("name").values_list("name", flat=True)
        )
    return preview

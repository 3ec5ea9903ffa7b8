"""The ledger's entries for what happens to an order's money, each booked in the
transaction of the event (orders' money_hooks and payments' refund_hooks call these;
settlement registers them in its AppConfig.ready()).

- paid (online, bank transfer): the part's goods (sale) and shipping fee, less its
  commission, all waiting for receipt (available_at null);
- receipt confirmed: what the part still holds moves from waiting to available
  SETTLEMENT_DELAY_DAYS later (a released_from / released pair);
- a refund asked of the gateway: taken from the parts it pays back, with the commission
  on those goods returned; refused by the gateway: both reversed;
- a bank transfer's part cancelled after payment: taken back likewise (the platform
  sends the shopper the money: there is no gateway to refund through);
- cash on delivery received: the commission on what was kept, owed at once.

Every entry goes through `post`, which raises the shop's running balance and its
version in the same transaction (settlement/models.py)."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import F, Max, Sum
from django.utils import timezone

from aftersales.models import AfterSalesRequest
from orders.models import Order, OrderLine, OrderPart
from orders.payments import method_for
from payments.models import Refund
from settlement.models import LedgerEntry, ShopAccount
from settlement.services.rates import FEN, commission_on

Kind = LedgerEntry.Kind
ZERO = Decimal("0.00")
# Refunds of money that never reached a shop: a payment that came after its order
# closed, or a second payment of a paid order.
NOT_THE_SHOPS = (Refund.Reason.PAID_AFTER_CLOSE, Refund.Reason.PAID_TWICE)
# The kinds that make up the shopper's money a part still holds, and its commission.
HELD_KINDS = (Kind.SALE, Kind.SHIPPING, Kind.REFUND)
COMMISSION_KINDS = (Kind.COMMISSION, Kind.COMMISSION_BACK)


def post(entries: list[LedgerEntry]) -> list[LedgerEntry]:
    """Write `entries` (those that move money) and raise each shop's running balance
    and version by them, in the caller's transaction."""
    entries = [e for e in entries if e.amount]
    if not entries:
        return []
    by_vendor: dict[int, Decimal] = defaultdict(Decimal)
    for entry in entries:
        by_vendor[entry.vendor_id] += entry.amount
    for vendor_id, total in sorted(by_vendor.items()):  # one lock order for every caller
        updated = ShopAccount.objects.filter(vendor_id=vendor_id).update(
            balance=F("balance") + total, version=F("version") + 1
        )
        if not updated:
            ShopAccount.objects.get_or_create(vendor_id=vendor_id)
            ShopAccount.objects.filter(vendor_id=vendor_id).update(
                balance=F("balance") + total, version=F("version") + 1
            )
    return LedgerEntry.objects.bulk_create(entries)


def delay() -> timedelta:
    return timedelta(days=settings.SETTLEMENT_DELAY_DAYS)


@dataclass
class PartPosition:
    """What a part's entries add up to: the shopper's money it holds (goods and fee, less
    refunds), the commission on it, and whether (and until when) it was released."""

    held: Decimal = ZERO
    commission: Decimal = ZERO  # positive: what the platform keeps
    booked: set = field(default_factory=set)
    release_at: datetime | None = None

    @property
    def released(self) -> bool:
        return Kind.RELEASED in self.booked

    def when(self) -> datetime | None:
        """When an entry taken from this part now becomes available: while it waits for
        receipt, with the rest (null); after, with the released money (or now)."""
        if not self.released:
            return None
        now = timezone.now()
        return max(self.release_at, now) if self.release_at else now


def positions(part_ids: Iterable[int]) -> dict[int, PartPosition]:
    """Each part's position, in one query."""
    found: dict[int, PartPosition] = defaultdict(PartPosition)
    rows = (
        LedgerEntry.objects.filter(part_id__in=list(part_ids))
        .values("part_id", "kind")
        .annotate(total=Sum("amount"), release_at=Max("available_at"))
    )
    for row in rows:
        position = found[row["part_id"]]
        position.booked.add(row["kind"])
        if row["kind"] in HELD_KINDS:
            position.held += row["total"]
        elif row["kind"] in COMMISSION_KINDS:
            position.commission -= row["total"]
        if row["kind"] == Kind.RELEASED:
            position.release_at = row["release_at"]
    return found


def book_parts_paid(order: Order, parts: list[OrderPart]) -> list[LedgerEntry]:
    """The platform has the money for `parts`: each shop's sale and shipping fee, less
    the commission at each line's rate, waiting for receipt. A part booked already (a
    backfill run after the payment hook) books nothing again."""
    if not parts:
        return []
    booked = positions(p.pk for p in parts)
    lines_of: dict[int, list[OrderLine]] = defaultdict(list)
    for line in OrderLine.objects.filter(part__in=parts).only(
        "part_id", "line_total", "commission_rate"
    ):
        lines_of[line.part_id].append(line)
    entries = []
    now = timezone.now()
    for part in parts:
        if Kind.SALE in booked[part.pk].booked:
            continue
        commission = sum(
            (commission_on(line.line_total, line.commission_rate) for line in lines_of[part.pk]),
            ZERO,
        )
        common = {"vendor_id": part.vendor_id, "part": part, "booked_at": now}
        entries += [
            LedgerEntry(kind=Kind.SALE, amount=part.subtotal, **common),
            LedgerEntry(kind=Kind.SHIPPING, amount=part.shipping_fee, **common),
            LedgerEntry(kind=Kind.COMMISSION, amount=-commission, **common),
        ]
    return post(entries)


def book_part_received(order: Order, part: OrderPart) -> list[LedgerEntry]:
    """Receipt confirmed. Paid to the platform: what the part still holds becomes
    available SETTLEMENT_DELAY_DAYS from now. Cash on delivery: the commission on the
    goods the shopper kept, owed now."""
    now = timezone.now()
    position = positions([part.pk])[part.pk]
    if not method_for(order.payment_method).collected_by_platform:
        if Kind.COD_COMMISSION in position.booked:
            return []
        commission = sum(
            (
                commission_on(line.line_total - line.refunded_amount, line.commission_rate)
                for line in part.lines.only("line_total", "refunded_amount", "commission_rate")
            ),
            ZERO,
        )
        return post(
            [
                LedgerEntry(
                    vendor_id=part.vendor_id,
                    kind=Kind.COD_COMMISSION,
                    amount=-commission,
                    part=part,
                    available_at=now,
                    booked_at=now,
                )
            ]
        )
    if Kind.SALE not in position.booked or position.released:
        return []  # never booked (paid before settlement ran), or released already
    waiting = (
        LedgerEntry.objects.filter(part=part, available_at__isnull=True).aggregate(
            total=Sum("amount")
        )["total"]
        or ZERO
    )
    common = {"vendor_id": part.vendor_id, "part": part, "booked_at": now}
    return post(
        [
            LedgerEntry(kind=Kind.RELEASED_FROM, amount=-waiting, **common),
            LedgerEntry(kind=Kind.RELEASED, amount=waiting, available_at=now + delay(), **common),
        ]
        if waiting
        else []
    )


def book_parts_cancelled(order: Order, parts: list[OrderPart]) -> list[LedgerEntry]:
    """A paid bank transfer's parts cancelled: what each holds is taken back with its
    commission (the platform sends the shopper the money). Online orders are taken back
    by their refund (book_refund); cash on delivery was never the platform's."""
    method = method_for(order.payment_method)
    if method.online or not method.collected_by_platform or not parts:
        return []
    found = positions(p.pk for p in parts)
    entries = []
    for part in parts:
        position = found[part.pk]
        if Kind.SALE not in position.booked or position.held <= 0:
            continue
        entries += _taken_back(part, position, position.held, position.commission, refund=None)
    return post(entries)


def _taken_back(
    part: OrderPart,
    position: PartPosition,
    amount: Decimal,
    commission: Decimal,
    *,
    refund: Refund | None,
) -> list[LedgerEntry]:
    common = {
        "vendor_id": part.vendor_id,
        "part": part,
        "refund": refund,
        "available_at": position.when(),
        "booked_at": timezone.now(),
    }
    return [
        LedgerEntry(kind=Kind.REFUND, amount=-amount, **common),
        LedgerEntry(kind=Kind.COMMISSION_BACK, amount=commission, **common),
    ]


def book_refund(refund: Refund) -> list[LedgerEntry]:
    """payments' refund_requested hook: the refund is taken from the parts it pays back
    (its own part, else the order's parts in turn, each up to what it holds), with the
    commission on those goods returned: on the lines it names at their rates, else in
    proportion (all of it when the part is refunded whole). Money no shop received (paid
    after close, paid twice) takes nothing."""
    if refund.reason in NOT_THE_SHOPS:
        return []
    payment = refund.payment
    if refund.part_id is not None:
        parts = [refund.part]
    else:
        parts = list(OrderPart.objects.filter(order_id=payment.order_id).order_by("pk"))
    found = positions(p.pk for p in parts)
    line_rates = {}
    if refund.lines and refund.part_id is not None:
        line_rates = dict(
            OrderLine.objects.filter(pk__in=[row["line"] for row in refund.lines]).values_list(
                "pk", "commission_rate"
            )
        )
    left, entries = refund.amount, []
    for part in parts:
        position = found[part.pk]
        take = min(left, position.held)
        if Kind.SALE not in position.booked or take <= 0:
            continue
        left -= take
        if take == position.held:
            commission = position.commission
        elif line_rates:
            commission = sum(
                (
                    commission_on(Decimal(row["amount"]), line_rates.get(row["line"]))
                    for row in refund.lines
                ),
                ZERO,
            )
        else:
            commission = (position.commission * take / position.held).quantize(FEN)
        commission = min(max(commission, ZERO), position.commission)
        entries += _taken_back(part, position, take, commission, refund=refund)
    return post(entries)


def reverse_refund(refund: Refund) -> list[LedgerEntry]:
    """payments' refund_failed hook: the gateway refused it, so the shopper's money is
    still with the platform and the shop gets back what the refund took. An after-sales
    refund stays taken: the shopper is owed it (aftersales' gateway_refused), and staff
    pay it from what was taken."""
    if AfterSalesRequest.objects.filter(refund=refund).exists():
        return []
    taken = list(
        LedgerEntry.objects.filter(refund=refund, reverses__isnull=True, reversed_by__isnull=True)
    )
    found = positions({e.part_id for e in taken})
    now = timezone.now()
    return post(
        [
            LedgerEntry(
                vendor_id=entry.vendor_id,
                kind=entry.kind,
                amount=-entry.amount,
                part_id=entry.part_id,
                refund=refund,
                reverses=entry,
                available_at=found[entry.part_id].when(),
                booked_at=now,
                note="The payment gateway refused the refund.",
            )
            for entry in taken
        ]
    )


def book_owed_refund(
    request: AfterSalesRequest, goods: Decimal, shipping: Decimal
) -> list[LedgerEntry]:
    """aftersales' owed hook: a refund the shop owes its shopper (cash on delivery, a
    bank transfer) is taken from its balance, for staff to pay the shopper, with the
    commission on those goods returned where it was charged. Cash on delivery: at once
    (the courier's money is the shop's); a bank transfer: with the part's money."""
    part = request.part
    order = part.order
    position = positions([part.pk])[part.pk]
    rate = (
        OrderLine.objects.filter(pk=request.line_id)
        .values_list("commission_rate", flat=True)
        .first()
    )
    if method_for(order.payment_method).collected_by_platform:
        charged, when = position.commission, position.when()
    elif Kind.COD_COMMISSION in position.booked:
        charged = -sum_of(part.pk, (Kind.COD_COMMISSION, Kind.COMMISSION_BACK))
        when = timezone.now()
    else:  # not received yet: charged at receipt, on what the shopper kept then
        charged, when = ZERO, timezone.now()
    commission = min(commission_on(goods, rate), max(charged, ZERO))
    common = {
        "vendor_id": part.vendor_id,
        "part": part,
        "request": request,
        "available_at": when,
        "booked_at": timezone.now(),
        "note": request.number,
    }
    return post(
        [
            LedgerEntry(kind=Kind.REFUND, amount=-(goods + shipping), **common),
            LedgerEntry(kind=Kind.COMMISSION_BACK, amount=commission, **common),
        ]
    )


def sum_of(part_id: int, kinds: Iterable[str]) -> Decimal:
    return (
        LedgerEntry.objects.filter(part_id=part_id, kind__in=kinds).aggregate(total=Sum("amount"))[
            "total"
        ]
        or ZERO
    )


def adjust(
    vendor_id: int, amount: Decimal, *, note: str, by: AbstractBaseUser | None
) -> LedgerEntry:
    """A staff adjustment (a compensation, a fine, a correction), available at once.
    The caller validates amount and note (forms)."""
    now = timezone.now()
    (entry,) = post(
        [
            LedgerEntry(
                vendor_id=vendor_id,
                kind=Kind.ADJUSTMENT,
                amount=amount,
                note=note,
                by=by,
                available_at=now,
                booked_at=now,
            )
        ]
    )
    return entry


def reverse_entry(entry: LedgerEntry, *, note: str, by: AbstractBaseUser | None) -> LedgerEntry:
    """A mistake corrected: an entry of the same kind and the opposite amount, pointing
    at the one it reverses (an entry is reversed once; a reversal is not reversed)."""
    now = timezone.now()
    (reversal,) = post(
        [
            LedgerEntry(
                vendor_id=entry.vendor_id,
                kind=entry.kind,
                amount=-entry.amount,
                part_id=entry.part_id,
                refund_id=entry.refund_id,
                payout_id=entry.payout_id,
                reverses=entry,
                note=note,
                by=by,
                available_at=None if entry.available_at is None else now,
                booked_at=now,
            )
        ]
    )
    return reversal

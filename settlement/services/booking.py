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
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.models import AfterSalesRequest
from orders.models import Order, OrderLine, OrderPart
from orders.payments import method_for
from payments.models import Payment, Refund
from settlement.models import LedgerEntry, ShopAccount
from settlement.money import FEN, ZERO, Total
from settlement.services.rates import commission_on

Kind = LedgerEntry.Kind
# Refunds of money that never reached a shop: a payment that came after its order
# closed, or a second payment of a paid order.
NOT_THE_SHOPS = (Refund.Reason.PAID_AFTER_CLOSE, Refund.Reason.PAID_TWICE)
# The kinds that make up the shopper's money a part still holds, and its commission.
HELD_KINDS = (Kind.SALE, Kind.SHIPPING, Kind.REFUND)
COMMISSION_KINDS = (Kind.COMMISSION, Kind.COMMISSION_BACK)
ADJUSTMENT_AMOUNT = _("Enter an amount other than zero, in yuan and fen (such as -12.50).")
# Larger sums are not an adjustment (a mistyped amount): staff book them in parts, or
# the finance team corrects the source.
ADJUSTMENT_LIMIT = Decimal("100000.00")
ADJUSTMENT_TOO_BIG = _("An adjustment is at most ¥100,000.00 either way.")
ADJUSTMENT_REASON = _("Say why: the shop reads it on its statement.")
ALREADY_REVERSED = _("This entry has been reversed already.")
REVERSAL_NOT_REVERSED = _("A reversal cannot be reversed: book an adjustment instead.")


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
        .annotate(total=Total("amount"), release_at=Max("available_at"))
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
    """Receipt confirmed for `part` of `order` (the part_received hook)."""
    part.order = order
    return book_parts_received([part])


def book_parts_received(parts: list[OrderPart]) -> list[LedgerEntry]:
    """Receipt confirmed for each of `parts` (read with their orders), in a few queries
    however many. Paid to the platform: what a part still holds becomes available
    SETTLEMENT_DELAY_DAYS from now. Cash on delivery: the commission on the goods the
    shopper kept, owed now. A part booked so already books nothing again."""
    now = timezone.now()
    found = positions(p.pk for p in parts)
    cod, platform = [], []
    for part in parts:
        position = found[part.pk]
        if not method_for(part.order.payment_method).collected_by_platform:
            if Kind.COD_COMMISSION not in position.booked:
                cod.append(part)
        elif Kind.SALE in position.booked and not position.released:
            platform.append(part)  # else never booked (paid before settlement ran), or released
    lines_of: dict[int, list[OrderLine]] = defaultdict(list)
    for line in OrderLine.objects.filter(part__in=cod).only(
        "part_id", "line_total", "refunded_amount", "commission_rate"
    ):
        lines_of[line.part_id].append(line)
    entries = []
    for part in cod:
        commission = sum(
            (
                commission_on(line.line_total - line.refunded_amount, line.commission_rate)
                for line in lines_of[part.pk]
            ),
            ZERO,
        )
        entries.append(
            LedgerEntry(
                vendor_id=part.vendor_id,
                kind=Kind.COD_COMMISSION,
                amount=-commission,
                part=part,
                available_at=now,
                booked_at=now,
            )
        )
    waiting_of = dict(
        LedgerEntry.objects.filter(part__in=platform, available_at__isnull=True)
        .values("part_id")
        .annotate(total=Total("amount"))
        .values_list("part_id", "total")
    )
    for part in platform:
        waiting = waiting_of.get(part.pk) or ZERO
        if waiting:
            common = {"vendor_id": part.vendor_id, "part": part, "booked_at": now}
            entries += [
                LedgerEntry(kind=Kind.RELEASED_FROM, amount=-waiting, **common),
                LedgerEntry(
                    kind=Kind.RELEASED, amount=waiting, available_at=now + delay(), **common
                ),
            ]
    return post(entries)


def book_parts_cancelled(order: Order, parts: list[OrderPart]) -> list[LedgerEntry]:
    """A paid bank transfer's parts cancelled: what each holds is taken back with its
    commission (the platform sends the shopper the money). Online orders are taken back
    by their refund (book_refund). Cash on delivery was never the platform's, but what
    the shop was to owe for items cancelled before shipment is owed no more."""
    method = method_for(order.payment_method)
    if not parts:
        return []
    if not method.collected_by_platform:
        return _owed_no_more(parts)
    if method.online:
        return []
    found = positions(p.pk for p in parts)
    entries = []
    for part in parts:
        position = found[part.pk]
        if Kind.SALE not in position.booked or position.held <= 0:
            continue
        entries += _taken_back(part, position, position.held, position.commission, refund=None)
    return post(entries)


COLLECTS_NOTHING_NOTE = "The part was cancelled: its courier collects nothing for it."


def _owed_no_more(parts: list[OrderPart]) -> list[LedgerEntry]:
    """Cash on delivery: what the shop was to owe its shopper for items cancelled
    before shipment (its courier was to collect the whole order) is given back when the
    part itself is cancelled: the courier collects nothing for it."""
    owed = LedgerEntry.objects.filter(
        part__in=parts, request__isnull=False, reverses__isnull=True, reversed_by__isnull=True
    )
    now = timezone.now()
    return post(
        [
            LedgerEntry(
                vendor_id=entry.vendor_id,
                kind=entry.kind,
                amount=-entry.amount,
                part_id=entry.part_id,
                request_id=entry.request_id,
                reverses=entry,
                available_at=now,
                booked_at=now,
                note=COLLECTS_NOTHING_NOTE,
            )
            for entry in owed
        ]
    )


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
    after close, paid twice) takes nothing; nor does a refund heard again."""
    if refund.reason in NOT_THE_SHOPS:
        return []
    if LedgerEntry.objects.filter(refund=refund, reverses__isnull=True).exists():
        return []  # heard already: a refund is taken once
    payment = refund.payment
    if refund.part_id is not None:
        parts = [refund.part]
    else:
        parts = list(OrderPart.objects.filter(order_id=payment.order_id).order_by("pk"))
    found = positions(p.pk for p in parts)
    left = refund.amount
    if refund.part_id is None:
        left -= min(left, _held_by_no_shop(refund, parts, found))
    line_rates = {}
    if refund.lines and refund.part_id is not None:
        line_rates = dict(
            OrderLine.objects.filter(pk__in=[row["line"] for row in refund.lines]).values_list(
                "pk", "commission_rate"
            )
        )
    entries = []
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


def _held_by_no_shop(refund: Refund, parts: list[OrderPart], found: dict) -> Decimal:
    """What `refund`'s payment brought that no part holds and no earlier refund gave
    back: a trade of the old total paid after a shop cancelled its part (that part was
    never booked). An order's refund gives that back first, taking it from no shop."""
    amount, refunded = Payment.objects.filter(pk=refund.payment_id).values_list(
        "amount", "refunded"
    )[0]
    earlier = refunded - refund.amount  # refunded was raised by this refund already
    held = sum((max(found[p.pk].held, ZERO) for p in parts), ZERO)
    return max(amount - held - earlier, ZERO)


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
    (the courier's money is the shop's); a bank transfer: with the part's money, and at
    most what the part still holds. Heard again, it takes nothing more."""
    if LedgerEntry.objects.filter(request=request, reverses__isnull=True).exists():
        return []  # heard already: an owed refund is taken once
    part = request.part
    order = part.order
    position = positions([part.pk])[part.pk]
    rate = (
        OrderLine.objects.filter(pk=request.line_id)
        .values_list("commission_rate", flat=True)
        .first()
    )
    owed = goods + shipping
    if method_for(order.payment_method).collected_by_platform:
        # At most what the part still holds: when this request cancelled the part's
        # last items, the part's cancellation took all of it back already
        # (book_parts_cancelled, in this transaction).
        owed = min(owed, max(position.held, ZERO))
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
            LedgerEntry(kind=Kind.REFUND, amount=-owed, **common),
            LedgerEntry(kind=Kind.COMMISSION_BACK, amount=commission, **common),
        ]
    )


def sum_of(part_id: int, kinds: Iterable[str]) -> Decimal:
    return (
        LedgerEntry.objects.filter(part_id=part_id, kind__in=kinds).aggregate(
            total=Total("amount")
        )["total"]
        or ZERO
    )


def adjust(
    vendor_id: int,
    amount: Decimal,
    *,
    note: str,
    by: AbstractBaseUser | None,
    key: str = "",
) -> LedgerEntry:
    """A staff adjustment (a compensation, a fine, a correction), available at once.
    Raises ValidationError, booking nothing, for an amount that is nothing, above
    ADJUSTMENT_LIMIT or not in whole fen (the ledger keeps fen), or no reason. With the
    confirmation page's `key`, booked once: the same key again raises IntegrityError
    (the database's unique key), booking nothing more."""
    if not amount or amount != amount.quantize(FEN):
        raise ValidationError(ADJUSTMENT_AMOUNT, code="adjustment_amount")
    if abs(amount) > ADJUSTMENT_LIMIT:
        raise ValidationError(ADJUSTMENT_TOO_BIG, code="adjustment_too_big")
    note = note.strip()
    if not note:
        raise ValidationError(ADJUSTMENT_REASON, code="adjustment_reason")
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
                form_key=key,
            )
        ]
    )
    return entry


def reverse_entry(entry: LedgerEntry, *, note: str, by: AbstractBaseUser | None) -> LedgerEntry:
    """A mistake corrected: an entry of the same kind and the opposite amount, pointing
    at the one it reverses, counting when it counts (waiting with it, dated with it, or
    now if that moment has passed; a waiting entry of a part released since, with the
    release), so it cancels the entry at every moment. An entry is
    reversed once and a reversal is not reversed: ValidationError, nothing booked (two
    staff members at once: the database's one-to-one refuses the second)."""
    if entry.reverses_id is not None:
        raise ValidationError(REVERSAL_NOT_REVERSED, code="reversal_not_reversed")
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise ValidationError(ALREADY_REVERSED, code="already_reversed")
    now = timezone.now()
    if entry.available_at is not None:
        when = max(entry.available_at, now)
    elif entry.part_id is not None:
        # A waiting entry of a part received since: its money was released, so the
        # reversal counts with the release (else it would wait for ever).
        when = positions([entry.part_id])[entry.part_id].when()
    else:
        when = None
    try:
        with transaction.atomic():  # a savepoint: the refused one leaves no balance moved
            (reversal,) = post(
                [
                    LedgerEntry(
                        vendor_id=entry.vendor_id,
                        kind=entry.kind,
                        amount=-entry.amount,
                        part_id=entry.part_id,
                        refund_id=entry.refund_id,
                        request_id=entry.request_id,
                        payout_id=entry.payout_id,
                        reverses=entry,
                        note=note,
                        by=by,
                        available_at=when,
                        booked_at=now,
                    )
                ]
            )
    except IntegrityError as error:
        raise ValidationError(ALREADY_REVERSED, code="already_reversed") from error
    return reversal

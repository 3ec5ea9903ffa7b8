"""Promotions in the cart and at checkout: which promotion prices each unit of a line
(flash-sale caps and per-shopper limits decide, so a line may be priced in portions),
and the units a flash sale sold, counted with conditional UPDATEs (like the stock in
orders/locks.py), so concurrent buyers never get more than the cap."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from catalog.models import Product
from catalog.promotions import channel_prices
from catalog.promotions.models import Promotion, PromotionAllowance
from catalog.promotions.pricing import Price, ScheduledPromotion, quote
from catalog.promotions.shown_prices import in_scope_of, refresh_after_commit
from catalog.revision import bump_catalog_revision
from catalog.templatetags.catalog_tags import cny

FLASH_SALE_OVER = _(
    "The flash sale “%(promotion)s” has just sold out, so “%(product)s” is "
    "back at its normal price. Check your cart and place the order again."
)
# The shopper's page showed a flash sale's price for units it no longer has.
FLASH_SALE_SOLD_OUT = _(
    "The flash sale “%(promotion)s” has sold out, so “%(product)s” now "
    "comes to %(total)s. Here are the prices now; place the order "
    "again to accept them."
)
# Another checkout of the same shopper used the allowance this one was priced with (the
# same words as orders' PRICES_CHANGED: the shopper is shown the prices now).
ALLOWANCE_USED_MEANWHILE = _(
    "Prices changed since you opened this page: a promotion started or "
    "ended. Here are the prices now; place the order again to accept them."
)
FLASH_SALE_SHORT = _(
    "The flash sale “%(promotion)s” has only %(left)s left, so “%(product)s” "
    "now comes to %(total)s. Here are the prices now; place the order again "
    "to accept them."
)


class PricedItem(Protocol):
    """What pricing reads of a cart item: cart items belong to orders, an app above
    catalog, which catalog may not import (not even for a type hint)."""

    product: Product
    product_id: int
    quantity: int
    channel: str


# `lines` (here and below) are orders' lines, from that higher app: typed loosely.
def _units_by_promotion(lines: Iterable[Any]) -> dict[ScheduledPromotion, int]:
    units: defaultdict[ScheduledPromotion, int] = defaultdict(int)
    for line in lines:
        promotion = getattr(line, "scheduled_promotion", None)
        if promotion is not None and promotion.units_cap is not None:
            units[promotion] += line.quantity
    return units


LIMIT, FLASH_SALE = "limit", "flash_sale"  # what cut a portion short
LIMIT_REST = _("Limit %(limit)s per shopper; the rest at %(price)s")
LIMIT_PARTLY_USED = _("Limit %(limit)s per shopper, %(left)s left for you; the rest at %(price)s")
LIMIT_USED_UP = _("Limit %(limit)s per shopper, already used up; this is at %(price)s")
FLASH_SALE_REST = _("Only %(left)s left at the flash-sale price; the rest at %(price)s")
LIMIT_LABEL = _("limited-offer price")
FLASH_SALE_LABEL = _("flash-sale price")


def price_label(
    promotion: ScheduledPromotion | Promotion | None, cut_by: str | None = None
) -> str | Promise:
    """What a portion's price is called beside it, when a limit or a cap made it a
    portion: a limited offer or a flash sale (`promotion` scheduled or a Promotion row),
    by what cut it (`cut_by`, LIMIT or FLASH_SALE) when that is known."""
    if promotion is not None and cut_by in (LIMIT, FLASH_SALE):
        return LIMIT_LABEL if cut_by == LIMIT else FLASH_SALE_LABEL
    if promotion is not None and promotion.per_shopper_limit:
        return LIMIT_LABEL
    if promotion is not None and promotion.units_cap is not None:
        return FLASH_SALE_LABEL
    return ""


@dataclass(frozen=True)
class Portion:
    """Some of a cart item's units, all at one Price."""

    price: Price
    quantity: int
    cut_by: str = ""  # LIMIT or FLASH_SALE: what stopped its promotion pricing more units

    @property
    def unit_price(self) -> Decimal:
        return self.price.amount

    @property
    def line_total(self) -> Decimal:
        return self.price.amount * self.quantity

    @property
    def discount(self) -> Decimal:
        return self.price.discount * self.quantity

    @property
    def price_label(self) -> str | Promise:
        return price_label(self.price.promotion, self.cut_by)


@dataclass
class ItemPrice:
    """What one cart item costs: its portions (the units within a per-shopper allowance
    or a flash sale's units left at the promotion's price, the rest at the next best, and
    so on down to the list price), and the notes telling the shopper why."""

    portions: list[Portion]
    notes: list[str] = field(default_factory=list)
    # (flash sale, units it had left) for each one short of this item's units
    sold_out: list[tuple[ScheduledPromotion, int]] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((p.line_total for p in self.portions), Decimal("0"))


class _Counts:
    """The flash sales' units left and the shopper's allowances, read once for the whole
    cart (each only when a promotion of its kind prices an item), and used up item by
    item in cart order."""

    def __init__(
        self, shopper_id: int | None, schedule: Sequence[ScheduledPromotion], lock_shopper: bool
    ) -> None:
        self.shopper_id, self.schedule, self.lock_shopper = shopper_id, schedule, lock_shopper
        self.left_in_sale: dict[int, int] | None = None
        self.allowance: dict[int, int | None] | None = None

    def units_left(self, promotion: ScheduledPromotion) -> int:
        if self.left_in_sale is None:
            self.left_in_sale = _units_left(self.schedule)
        return max(0, self.left_in_sale.get(promotion.pk, 0))

    def allowed(self, promotion: ScheduledPromotion) -> int | None:
        if self.allowance is None:  # a visitor's cart: no earlier orders, no query
            self.allowance = (
                _allowances(self.shopper_id, self.schedule, self.lock_shopper)
                if self.shopper_id
                else {}
            )
        return self.allowance.get(promotion.pk, promotion.per_shopper_limit)

    def take(self, promotion: ScheduledPromotion, units: int) -> None:
        if promotion.units_cap is not None:
            self.left_in_sale[promotion.pk] -= units
        if promotion.per_shopper_limit:
            self.allowance[promotion.pk] = self.allowed(promotion) - units


def price_lines(
    items: Sequence[PricedItem],
    shopper_id: int | None,
    at: datetime,
    schedule: Sequence[ScheduledPromotion],
    *,
    lock_shopper: bool = False,
) -> list[ItemPrice]:
    """The ItemPrice of each cart item (`item.product`, `item.quantity`), for the cart page
    and for checkout alike.

    A flash sale prices as many of an item's units as it has left, and a limited
    promotion as many as this shopper may still buy (earlier orders count, a visitor has
    none; items of the same promotion share the allowance, in cart order); the rest of
    the units get the next-best promotion, under the same rules, or the list price:
    never a refusal, and never silently (the notes say why). One query (the shopper's
    allowances), only when a limited promotion prices a signed-in shopper's item, and
    one for the flash sales' units left, only when one prices an item; at checkout `lock_shopper` makes two
    checkouts of the same shopper take turns.
    """
    counts = _Counts(shopper_id, schedule, lock_shopper)
    channels = _channel_prices(items)
    return [
        _price_item(item, at, schedule, channels.get((item.channel, item.product_id)), counts)
        for item in items
    ]


def _price_item(
    item: PricedItem,
    at: datetime,
    schedule: Sequence[ScheduledPromotion],
    channel_price: tuple[Decimal | None, str] | None,
    counts: _Counts,
) -> ItemPrice:
    portions, notes, sold_out, excluded, remaining = [], [], [], set(), item.quantity
    waiting = []  # notes that name the price the next portion gets
    while remaining:
        price = quote(item.product, at, schedule, exclude=excluded, channel_price=channel_price)
        promotion = price.promotion
        fits, cut_by = remaining, None
        if promotion is not None:
            if promotion.units_cap is not None and counts.units_left(promotion) < fits:
                fits, cut_by = counts.units_left(promotion), FLASH_SALE
                sold_out.append((promotion, fits))
            if promotion.per_shopper_limit:
                allowed = counts.allowed(promotion)
                if allowed < fits:
                    fits, cut_by = max(0, allowed), LIMIT
        if fits:
            if promotion is not None:
                counts.take(promotion, fits)
            portions.append(Portion(price, fits, cut_by or ""))
            notes += [
                message % {**params, "price": cny(price.amount)} for message, params in waiting
            ]
            waiting = []
            remaining -= fits
        if cut_by is not None:
            excluded.add(promotion.pk)
            if note := _cut_note(promotion, cut_by, fits):
                waiting.append(note)
    return ItemPrice(portions, notes, sold_out)


def sold_out_problems(
    items: Sequence[PricedItem], prices: Sequence[ItemPrice]
) -> list[ValidationError]:
    """Why a checkout's total is not the one its page showed, when a flash sale ran out of
    units for an item meanwhile: that sale, the units it has left, the item and what it
    comes to now."""
    return [
        ValidationError(
            FLASH_SALE_SHORT if left else FLASH_SALE_SOLD_OUT,
            code="flash_sale_over",
            params={
                "promotion": promotion.display_name,
                "left": left,
                "product": item.product.display_name,
                "total": cny(item_price.total),
            },
        )
        for item, item_price in zip(items, prices, strict=True)
        for promotion, left in item_price.sold_out
    ]


def _cut_note(
    promotion: ScheduledPromotion, cut_by: str, fits: int
) -> tuple[Promise, dict[str, int]] | None:
    """(message, params) saying why only `fits` units got `promotion`'s price."""
    if cut_by == FLASH_SALE:
        if not fits:  # sold out meanwhile: the pages say so, the price is no surprise
            return None
        return FLASH_SALE_REST, {"left": fits}
    limit = promotion.per_shopper_limit
    if not fits:
        return LIMIT_USED_UP, {"limit": limit}
    if fits < limit:
        return LIMIT_PARTLY_USED, {"limit": limit, "left": fits}
    return LIMIT_REST, {"limit": limit}


def _units_left(schedule: Iterable[ScheduledPromotion]) -> dict[int, int]:
    """{flash sale id: units it has left}, read now: the schedule is cached, and its
    counts are refreshed only for a sale's last units (one query, only when a flash sale
    prices a line)."""
    capped = [p.pk for p in schedule if p.units_cap is not None]
    return {
        pk: cap - sold
        for pk, cap, sold in Promotion.objects.filter(pk__in=capped).values_list(
            "pk", "units_cap", "units_sold"
        )
    }


def _channel_prices(
    items: Iterable[PricedItem],
) -> dict[tuple[str, int], tuple[Decimal | None, str]]:
    """{(channel, product id): (channel price or None, channel)} for items added from a
    channel's page that the channel sells now (a stream that is live and features the
    product: livestream registers that source; one query per source, only when such
    items exist)."""
    return {key: (price, key[0]) for key, price in channel_prices.prices_for(items).items()}


def _allowances(shopper_id: int, schedule: list, lock_shopper: bool) -> dict[int, int]:
    """{promotion id: discounted units the shopper may still buy} for the limited ones,
    from the units their allowances have counted (one query)."""
    limited = {p.pk: p.per_shopper_limit for p in schedule if p.per_shopper_limit}
    if lock_shopper:
        # Two checkouts of the same shopper take turns, so the second prices with what
        # the first took (the conditional UPDATE in `_take_allowance` holds the limit
        # either way, tests/catalog/test_allowance_races.py races it without this lock;
        # this spares the second a refusal).
        list(get_user_model().objects.select_for_update().filter(pk=shopper_id).values("pk"))
    used = PromotionAllowance.objects.filter(
        promotion_id__in=limited, shopper_id=shopper_id
    ).values_list("promotion_id", "units_used")
    allowance = dict(limited)
    for promotion_id, units in used:
        allowance[promotion_id] = max(0, limited[promotion_id] - units)
    return allowance


@dataclass
class UnitsTaken:
    problems: list = field(default_factory=list)  # the flash sales that could not cover them
    # A flash sale is down to its last few units (Product.FEW_LEFT) or refused: cached
    # pages must show what it has left, or that it is over.
    shown_changed: bool = False


def take_promotion_units(lines: list, shopper_id: int | None = None) -> "UnitsTaken":
    """Count the units a flash sale sold (promotions without a cap are not counted, so
    checkouts under them never wait on one row), and the discounted units `shopper_id`
    bought under each promotion (its allowance: a per-shopper limit holds on it). A
    flash sale that cannot cover them any more (a concurrent buyer took the last ones),
    or an allowance that another checkout of the shopper used meanwhile, refuses; call
    inside the checkout's transaction and roll it back on a problem."""
    taken = UnitsTaken()
    if shopper_id is not None:
        taken.problems += _take_allowances(lines, shopper_id)
    if taken.problems:  # the checkout rolls back: no flash sale's units to count
        return _refused(taken)
    for promotion, units in sorted(_units_by_promotion(lines).items(), key=lambda x: x[0].pk):
        rows = Promotion.objects.filter(
            pk=promotion.pk, units_sold__lte=promotion.units_cap - units
        )
        if not rows.update(units_sold=F("units_sold") + units):
            product = next(
                line.display_name
                for line in lines
                if getattr(line, "scheduled_promotion", None) == promotion
            )
            taken.problems.append(
                ValidationError(
                    FLASH_SALE_OVER,
                    code="flash_sale_over",
                    params={"promotion": promotion.display_name, "product": product},
                )
            )
        elif not Promotion.objects.filter(
            pk=promotion.pk, units_sold__lt=F("units_cap") - Product.FEW_LEFT
        ).exists():
            taken.shown_changed = True
            _reprice_after_commit([promotion.pk])  # when sold out, its products go back
    return _refused(taken) if taken.problems else taken


def _refused(taken: UnitsTaken) -> UnitsTaken:
    """A refused `taken`: the pages must stop showing a price that no longer holds now."""
    taken.shown_changed = True
    bump_catalog_revision()
    return taken


def return_promotion_units(lines: list, shopper_id: int | None = None) -> None:
    """A cancelled order gives its units back to the flash sales that counted them, and
    to `shopper_id`'s allowances."""
    units = defaultdict(int)
    for line in lines:
        if line.promotion_id:
            units[line.promotion_id] += line.quantity
    for promotion_id, count in sorted(units.items()):
        Promotion.objects.filter(pk=promotion_id, units_cap__isnull=False).update(
            units_sold=F("units_sold") - count
        )
        if shopper_id is not None:
            PromotionAllowance.objects.filter(
                promotion_id=promotion_id, shopper_id=shopper_id
            ).update(units_used=Greatest(F("units_used") - count, 0))
    if units:
        bump_catalog_revision()
        _reprice_after_commit(list(units))  # a sold-out flash sale with units again


def _take_allowances(lines: list, shopper_id: int) -> list[ValidationError]:
    """Add each promotion's discounted units in `lines` to the shopper's allowance (in
    promotion order, so two checkouts never wait on each other's rows crosswise): the
    problems, one per promotion whose per-shopper limit they would pass."""
    units, limits = defaultdict(int), {}
    for line in lines:
        promotion = getattr(line, "scheduled_promotion", None)
        if promotion is not None:
            units[promotion.pk] += line.quantity
            limits[promotion.pk] = promotion.per_shopper_limit
    return [
        ValidationError(ALLOWANCE_USED_MEANWHILE, code="prices_changed")
        for promotion_id, count in sorted(units.items())
        if not _take_allowance(promotion_id, shopper_id, count, limits[promotion_id])
    ]


def _take_allowance(promotion_id: int, shopper_id: int, units: int, limit: int | None) -> bool:
    """`UPDATE … SET units_used = units_used + units WHERE units_used + units <= limit`
    (no limit: counted all the same, so a limit staff set later counts what was bought
    before it); the row is created on a shopper's first units, and a concurrent first
    checkout's row is updated instead. False when the limit would be passed."""
    rows = PromotionAllowance.objects.filter(promotion_id=promotion_id, shopper_id=shopper_id)
    if limit:
        rows = rows.filter(units_used__lte=limit - units)
    if rows.update(units_used=F("units_used") + units):
        return True
    if limit and units > limit:
        return False
    try:
        with transaction.atomic():  # a savepoint: the checkout goes on after a clash
            PromotionAllowance.objects.create(
                promotion_id=promotion_id, shopper_id=shopper_id, units_used=units
            )
    except IntegrityError:  # the row is there: over the limit, or just created by another
        return bool(rows.update(units_used=F("units_used") + units))
    return True


def _reprice_after_commit(promotion_ids: list[int]) -> None:
    """The listings' sort price of the products these promotions cover, once the order
    commits (outside the checkout's transaction: see catalog/promotions/shown_prices.py)."""
    refresh_after_commit(
        Product.objects.filter(
            in_scope_of(Promotion.objects.filter(pk__in=promotion_ids, units_cap__isnull=False))
        )
    )

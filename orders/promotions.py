"""Promotions in the cart and at checkout: which promotion prices each line (flash-sale
caps and per-shopper limits decide), and the units a flash sale sold, counted with
conditional UPDATEs (like the stock in orders/locks.py), so concurrent buyers never get
more than the cap."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import F, Sum
from django.utils.translation import gettext_lazy as _

from catalog.models import Product, Promotion
from catalog.page_cache import bump_catalog_revision
from catalog.pricing import quote
from catalog.shown_prices import in_scope_of, refresh_after_commit

FLASH_SALE_OVER = _("The flash sale “%(promotion)s” has just sold out, so “%(product)s” is "
                    "back at its normal price. Check your cart and place the order again.")


def _units_by_promotion(lines):
    units = defaultdict(int)
    for line in lines:
        promotion = getattr(line, "scheduled_promotion", None)
        if promotion is not None and promotion.units_cap is not None:
            units[promotion] += line.quantity
    return units


def price_lines(items, shopper_id, at, schedule, *, lock_shopper=False):
    """The Price of each cart item (`item.product`, `item.quantity`), for the cart page
    and for checkout alike.

    A line gets a flash sale's price only if all its units fit in what the sale has left,
    and a limited promotion's price only if they fit in what this shopper may still buy
    (earlier orders count; lines of the same promotion share the allowance, in cart
    order). Otherwise the next-best promotion applies to that line, or the list price,
    never a refusal. One query, only when a limited promotion could apply, and one for
    the flash sales' units left, only when one prices a line; at checkout `lock_shopper`
    makes two checkouts of the same shopper take turns.
    """
    left_in_sale, allowance = None, None
    streams = _live_stream_prices(items)
    prices = []
    for item in items:
        excluded = set()
        stream_price = streams.get((item.stream_id, item.product_id))
        while True:
            price = quote(item.product, at, schedule, exclude=excluded,
                          stream_price=stream_price)
            promotion = price.promotion
            if promotion is None:
                break
            if promotion.units_cap is not None:
                if left_in_sale is None:
                    left_in_sale = _units_left(schedule)
                left = left_in_sale.get(promotion.pk, 0)
                if item.quantity > left:
                    excluded.add(promotion.pk)
                    continue
            if promotion.per_shopper_limit and shopper_id:
                if allowance is None:
                    allowance = _allowances(shopper_id, schedule, lock_shopper)
                if item.quantity > allowance.get(promotion.pk, promotion.per_shopper_limit):
                    excluded.add(promotion.pk)
                    continue
                allowance[promotion.pk] = (
                    allowance.get(promotion.pk, promotion.per_shopper_limit) - item.quantity)
            if promotion.units_cap is not None:
                left_in_sale[promotion.pk] -= item.quantity
            break
        prices.append(price)
    return prices


def _units_left(schedule):
    """{flash sale id: units it has left}, read now: the schedule is cached, and its
    counts are refreshed only for a sale's last units (one query, only when a flash sale
    prices a line)."""
    capped = [p.pk for p in schedule if p.units_cap is not None]
    return {pk: cap - sold for pk, cap, sold in
            Promotion.objects.filter(pk__in=capped).values_list("pk", "units_cap", "units_sold")}


def _live_stream_prices(items):
    """{(stream id, product id): (stream price or None, stream id)} for items added from
    a stream that is live now and features the product (one query, only when such items
    exist)."""
    from livestream.models import FeaturedProduct, LiveStream

    wanted = {(i.stream_id, i.product_id) for i in items if getattr(i, "stream_id", None)}
    if not wanted:
        return {}
    rows = FeaturedProduct.objects.filter(
        stream_id__in={s for s, _ in wanted}, product_id__in={p for _, p in wanted},
        stream__state=LiveStream.State.LIVE,
    ).values_list("stream_id", "product_id", "stream_price")
    return {(s, p): (price, s) for s, p, price in rows if (s, p) in wanted}


def _allowances(shopper_id, schedule, lock_shopper):
    """{promotion id: discounted units the shopper may still buy} for the limited ones."""
    from django.contrib.auth import get_user_model

    from orders.models import OrderLine, OrderPart

    limited = {p.pk: p.per_shopper_limit for p in schedule if p.per_shopper_limit}
    if lock_shopper:
        list(get_user_model().objects.select_for_update().filter(pk=shopper_id).values("pk"))
    bought = (
        OrderLine.objects.filter(promotion_id__in=limited, part__order__shopper_id=shopper_id)
        .exclude(part__status=OrderPart.Status.CANCELLED)
        .values("promotion_id").annotate(units=Sum("quantity"))
        .values_list("promotion_id", "units")
    )
    allowance = dict(limited)
    for promotion_id, units in bought:
        allowance[promotion_id] = max(0, limited[promotion_id] - units)
    return allowance


@dataclass
class UnitsTaken:
    problems: list = field(default_factory=list)  # the flash sales that could not cover them
    # A flash sale is down to its last few units (Product.FEW_LEFT) or refused: cached
    # pages must show what it has left, or that it is over.
    shown_changed: bool = False


def take_promotion_units(lines):
    """Count the units a flash sale sold (promotions without a cap are not counted, so
    checkouts under them never wait on one row). One that cannot cover them any more (a
    concurrent buyer took the last ones) refuses; call inside the checkout's transaction
    and roll it back on a problem."""
    taken = UnitsTaken()
    for promotion, units in sorted(_units_by_promotion(lines).items(), key=lambda x: x[0].pk):
        rows = Promotion.objects.filter(pk=promotion.pk,
                                        units_sold__lte=promotion.units_cap - units)
        if not rows.update(units_sold=F("units_sold") + units):
            product = next(line.product_name for line in lines
                           if getattr(line, "scheduled_promotion", None) == promotion)
            taken.problems.append(ValidationError(FLASH_SALE_OVER, code="flash_sale_over", params={
                "promotion": promotion.display_name, "product": product}))
        elif not Promotion.objects.filter(
                pk=promotion.pk, units_sold__lt=F("units_cap") - Product.FEW_LEFT).exists():
            taken.shown_changed = True
            _reprice_after_commit([promotion.pk])  # when sold out, its products go back
    if taken.problems:
        taken.shown_changed = True
        bump_catalog_revision()  # the pages must stop showing the sold-out price now
    return taken


def return_promotion_units(lines):
    """A cancelled order gives its units back to the flash sales that counted them."""
    units = defaultdict(int)
    for line in lines:
        if line.promotion_id:
            units[line.promotion_id] += line.quantity
    for promotion_id, count in sorted(units.items()):
        Promotion.objects.filter(pk=promotion_id, units_cap__isnull=False).update(
            units_sold=F("units_sold") - count)
    if units:
        bump_catalog_revision()
        _reprice_after_commit(list(units))  # a sold-out flash sale with units again


def _reprice_after_commit(promotion_ids):
    """The listings' sort price of the products these promotions cover, once the order
    commits (outside the checkout's transaction: see catalog/shown_prices.py)."""
    refresh_after_commit(Product.objects.filter(in_scope_of(Promotion.objects.filter(
        pk__in=promotion_ids, units_cap__isnull=False))))

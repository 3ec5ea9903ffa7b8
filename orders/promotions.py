"""What checkout and cancellation do about promotions: per-shopper limits, and the
discounted units a flash sale may still sell, counted with conditional UPDATEs (like the
stock in orders/locks.py), so concurrent buyers never get more than the cap."""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db.models import F, Sum
from django.utils.translation import gettext_lazy as _

from catalog.models import Promotion
from catalog.page_cache import bump_catalog_revision

OVER_LIMIT = _("“%(promotion)s” allows %(limit)s discounted units per shopper; you have "
               "bought %(bought)s and now ask for %(quantity)s. Lower the quantity of "
               "“%(product)s”.")
FLASH_SALE_OVER = _("The flash sale “%(promotion)s” has just sold out, so “%(product)s” is "
                    "back at its normal price. Check your cart and place the order again.")


def _units_by_promotion(lines):
    units = defaultdict(int)
    for line in lines:
        promotion = getattr(line, "scheduled_promotion", None)
        if promotion is not None:
            units[promotion] += line.quantity
    return units


def limit_problems(shopper, lines):
    """Lines that would take a shopper past a promotion's per-shopper limit (one query,
    only when a promotion in the cart has a limit)."""
    limited = {p for p in _units_by_promotion(lines) if p.per_shopper_limit}
    if not limited:
        return []
    from orders.models import OrderLine, OrderPart

    bought = dict(
        OrderLine.objects.filter(promotion_id__in=[p.pk for p in limited],
                                 part__order__shopper=shopper)
        .exclude(part__status=OrderPart.Status.CANCELLED)
        .values("promotion_id").annotate(units=Sum("quantity")).values_list("promotion_id", "units")
    )
    problems = []
    for line in lines:
        promotion = getattr(line, "scheduled_promotion", None)
        if promotion in limited:
            before = bought.get(promotion.pk, 0)
            if before + line.quantity > promotion.per_shopper_limit:
                problems.append(ValidationError(OVER_LIMIT, code="promotion_limit", params={
                    "promotion": promotion.display_name, "limit": promotion.per_shopper_limit,
                    "bought": before, "quantity": line.quantity, "product": line.product_name,
                }))
    return problems


def take_promotion_units(lines):
    """Count the discounted units sold; a flash sale that cannot cover them refuses.
    Call inside the checkout's transaction and roll it back on a problem."""
    problems = []
    for promotion, units in sorted(_units_by_promotion(lines).items(), key=lambda x: x[0].pk):
        rows = Promotion.objects.filter(pk=promotion.pk)
        if promotion.units_cap is not None:
            rows = rows.filter(units_sold__lte=promotion.units_cap - units)
        if not rows.update(units_sold=F("units_sold") + units):
            product = next(line.product_name for line in lines
                           if getattr(line, "scheduled_promotion", None) == promotion)
            problems.append(ValidationError(FLASH_SALE_OVER, code="flash_sale_over", params={
                "promotion": promotion.display_name, "product": product}))
    if problems:
        bump_catalog_revision()  # the pages must stop showing the sold-out price now
    return problems


def return_promotion_units(lines):
    """A cancelled order gives its discounted units back to their promotions."""
    units = defaultdict(int)
    for line in lines:
        if line.promotion_id:
            units[line.promotion_id] += line.quantity
    for promotion_id, count in sorted(units.items()):
        Promotion.objects.filter(pk=promotion_id).update(units_sold=F("units_sold") - count)
    if units:
        bump_catalog_revision()

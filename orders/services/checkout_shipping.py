"""The shipping of a checkout: each part quoted to the address's province (the freight
templates read once for all the parts), refused when a shop does not deliver an item
there or when the fees are not those the checkout page showed, and the fees stored on
the unsaved parts.

Everything here runs before the checkout writes anything, so a refusal changes nothing.
"""

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from orders.models import OrderLine, OrderPart
from orders.services.problems import CheckoutProblem
from orders.shipping.fees import Goods, PartQuote, quote_part
from orders.shipping.provinces import display_name
from orders.shipping.selectors import templates_for

NOT_DELIVERED = _(
    "“%(product)s” is not delivered to %(province)s. Choose another address, or remove "
    "it from your cart."
)
TOO_HEAVY = _(
    "“%(product)s” is too heavy to send to %(province)s in one parcel. Buy fewer, or ask the shop."
)
SHIPPING_CHANGED = _(
    "Shipping fees changed since you opened this page: a shop changed what it charges. "
    "Here they are now; place the order again to accept them."
)


def goods_by_vendor(lines: Iterable[OrderLine]) -> dict[int, list[Goods]]:
    """vendor id -> the Goods of its part: one per product, however many lines (price
    portions) it was split into."""
    by_vendor: dict[int, dict[int, Goods]] = {}
    for line in lines:
        product = line.product
        goods = by_vendor.setdefault(product.vendor_id, {})
        if product.pk in goods:
            item = goods[product.pk]
            item.units += line.quantity
            item.amount += line.line_total
            item.weight_g += line.weight_g
        else:
            goods[product.pk] = Goods(product, line.quantity, line.line_total, line.weight_g)
    return {vendor_id: list(goods.values()) for vendor_id, goods in by_vendor.items()}


def quote_parts(lines: list[OrderLine], province: str) -> dict[int, PartQuote]:
    """vendor id -> its part's quote to `province` (one query for the items of a checkout, read with
    their freight links; two otherwise: the templates and their rates)."""
    goods = goods_by_vendor(lines)
    templates = templates_for([g.product for items in goods.values() for g in items])
    return {vendor_id: quote_part(items, templates, province) for vendor_id, items in goods.items()}


def refuse_not_delivered(quotes: dict[int, PartQuote], province: str) -> None:
    """CheckoutProblem naming every product its shop does not send to `province`."""
    problems = [
        ValidationError(
            TOO_HEAVY if product in part.too_heavy else NOT_DELIVERED,
            code="not_delivered",
            params={"product": product.display_name, "province": display_name(province)},
        )
        for part in quotes.values()
        for product in part.not_served
    ]
    if problems:
        raise CheckoutProblem(problems)


def add_fees(parts: list[OrderPart], quotes: dict[int, PartQuote]) -> Decimal:
    """Put each part's fee and cold chain on it (unsaved); returns the order's shipping."""
    for part in parts:
        quote = quotes[part.vendor_id]
        part.shipping_fee, part.cold_chain = quote.fee, quote.cold_chain
    return sum((part.shipping_fee for part in parts), Decimal("0"))


def refuse_changed_shipping(shipping: Decimal, expected_shipping: Decimal | None) -> None:
    """Refuse fees that are not those the checkout page showed (a shop edited its
    template meanwhile)."""
    if expected_shipping is not None and shipping != expected_shipping:
        raise CheckoutProblem(SHIPPING_CHANGED, code="shipping_changed")

"""What after-sales takes back of an order line: units, money, weight and, once every
line of the part is refunded whole, the part's shipping fee.

`take_back` is the one place those figures change. Each is one conditional UPDATE that
holds only while the line has that much left (`refunded_amount + goods <= line_total`),
so requests approved at the same moment (two staff members, a shop and the sweep) never
give back more than was paid, on PostgreSQL and on SQLite alike. The impact board's
rollup of the order's day moves in the same transaction (orders/impact/rollups.py
counts each line without what was refunded of it), and so do the shop's figures.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from catalog.promotions import checkout as promotions
from catalog.revision import bump_products
from core.db import lock_row
from orders.impact import rollups as impact
from orders.locks import return_stock, unsell
from orders.models import Order, OrderLine, OrderPart

MORE_THAN_LEFT = _(
    "That is more than is left to refund of this line (%(amount)s for %(quantity)s units)."
)
SHIPPING_ALREADY = _("This part's shipping fee was already refunded.")
NOT_COUNTED_PART = _("This part was cancelled: it has nothing left to refund.")


@dataclass(frozen=True)
class TakenBack:
    """What one refund took of a line: the goods' money and weight, and the shipping."""

    goods: Decimal
    shipping: Decimal
    weight_g: int

    @property
    def amount(self) -> Decimal:
        return self.goods + self.shipping


def weight_for(line: OrderLine, goods: Decimal) -> int:
    """The grams `goods` of the line's money stand for: its weight in proportion, all
    that is left when the rest of its money goes."""
    if goods >= line.refundable_amount:
        return line.weight_g - line.refunded_weight_g
    if line.line_total <= 0:
        return 0
    share = (Decimal(line.weight_g) * goods / line.line_total).to_integral_value(ROUND_HALF_UP)
    return min(int(share), line.weight_g - line.refunded_weight_g)


def shipping_left_with(line: OrderLine, part: OrderPart, goods: Decimal, quantity: int) -> Decimal:
    """The part's shipping fee when this refund (of `goods` and `quantity` of `line`)
    leaves every line of the part refunded whole (uses the part's lines, read now)."""
    if part.refunded_shipping or not part.shipping_fee:
        return Decimal("0")
    for other in part.lines.all():
        if other.pk == line.pk:
            whole = (
                other.refunded_amount + goods >= other.line_total
                and other.refunded_quantity + quantity >= other.quantity
            )
        else:
            whole = other.refunded_amount >= other.line_total
        if not whole:
            return Decimal("0")
    return part.shipping_fee


def take_back(
    line: OrderLine,
    *,
    quantity: int,
    goods: Decimal,
    shipping: Decimal = Decimal("0"),
    restock: bool = False,
    fee_if_last: bool = False,
) -> TakenBack:
    """Record that `goods` of the line's money (and `shipping` of its part's fee) were
    refunded for `quantity` of its units, which come off the product's units sold; with
    `restock`, those units go back on sale (returned goods the shop received, a line
    cancelled before shipment). With
    `fee_if_last` and no `shipping`, the part's fee comes with it when this refund leaves
    every line of the part refunded whole, as seen once the part is locked (two requests
    opened together on a part's two lines: the second one approved brings the fee).
    Raises ValidationError, changing nothing, when the line (or the fee) has less left,
    however many refunds run at once. Call inside the refund's transaction."""
    with transaction.atomic():
        # The order, then the part, locked as cancelling and shipping lock them: a shop
        # cancelling its part at this moment refunds what this refund leaves, or waits.
        line = OrderLine.objects.get(pk=line.pk)
        part = OrderPart.objects.only("order_id").get(pk=line.part_id)
        order = lock_row(Order, part.order_id)
        part = lock_row(OrderPart, part.pk)
        if part.status == OrderPart.Status.CANCELLED:
            raise ValidationError(NOT_COUNTED_PART, code="part_cancelled")
        line = OrderLine.objects.get(pk=line.pk)  # as it is now the part is locked
        if fee_if_last and not shipping:
            shipping = shipping_left_with(line, part, goods, quantity)
        before = impact.counted_lines(order)
        weight = weight_for(line, goods)
        taken = OrderLine.objects.filter(
            pk=line.pk,
            refunded_amount__lte=F("line_total") - goods,
            refunded_quantity__lte=F("quantity") - quantity,
            refunded_weight_g__lte=F("weight_g") - weight,
        ).update(
            refunded_amount=F("refunded_amount") + goods,
            refunded_quantity=F("refunded_quantity") + quantity,
            refunded_weight_g=F("refunded_weight_g") + weight,
        )
        if not taken:
            line.refresh_from_db()
            raise ValidationError(
                MORE_THAN_LEFT,
                code="more_than_left",
                params={
                    "amount": f"¥{line.refundable_amount}",
                    "quantity": line.refundable_quantity,
                },
            )
        part_update = {
            "refunded_goods": F("refunded_goods") + goods,
            "refunded_weight_g": F("refunded_weight_g") + weight,
        }
        parts = OrderPart.objects.filter(pk=part.pk)
        if shipping:
            parts = parts.filter(refunded_shipping=0, shipping_fee__gte=shipping)
            part_update["refunded_shipping"] = shipping
        if not parts.update(**part_update):
            raise ValidationError(SHIPPING_ALREADY, code="shipping_already_refunded")
        if restock and line.product_id:
            return_stock({line.product_id: quantity})  # and off the units sold
        elif line.product_id and quantity and unsell(line.product_id, quantity):
            # The goods stay with the shopper, but a refunded sale is not a sale: pages
            # showing the old "已售" label render again (only when it changed).
            bump_products([line.product_id], listings=False)
        if restock and part.status == OrderPart.Status.PENDING:
            # Cancelled before shipment: its flash-sale units and the shopper's allowance
            # come back too (a part cancelled later gives back only what is left).
            promotions.return_promotion_units(
                [SimpleNamespace(promotion_id=line.promotion_id, quantity=quantity)],
                order.shopper_id,
            )
        impact.record_change(order, before, impact.counted_lines(order))
    return TakenBack(goods=goods, shipping=shipping, weight_g=weight)

"""How much a request may ask: what the units cost (the line's price after its
promotion, which is its share of any discount), never more than is left of the line,
and the part's shipping fee when the request leaves every line of the part refunded."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from orders.models import OrderLine, OrderPart
from orders.services.refunds import shipping_left_with

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Cap:
    goods: Decimal
    shipping: Decimal

    @property
    def total(self) -> Decimal:
        return self.goods + self.shipping


def goods_cap(line: OrderLine, quantity: int) -> Decimal:
    """What `quantity` of the line's unclaimed units cost: the value of the units left
    less the value of those left after them (`value(n)`, n units' share of the line,
    rounded to the fen), so the units' caps add up to the line exactly, and a unit
    claimed for less earlier never makes a later one worth more. Never more than is
    left of the line."""
    left = line.refundable_quantity
    share = _value(line, left) - _value(line, max(left - quantity, 0))
    return min(share, line.refundable_amount)


def _value(line: OrderLine, units: int) -> Decimal:
    if units >= line.quantity:
        return line.line_total
    return (line.line_total * units / line.quantity).quantize(CENT, ROUND_HALF_UP)


def cap_for(line: OrderLine, part: OrderPart, quantity: int) -> Cap:
    """The most a request for `quantity` of `line` may ask (uses the part's lines)."""
    goods = goods_cap(line, quantity)
    return Cap(goods=goods, shipping=shipping_left_with(line, part, goods, quantity))


def split(amount: Decimal, cap: Cap) -> tuple[Decimal, Decimal]:
    """An amount asked as (goods, shipping): the goods first."""
    goods = min(amount, cap.goods)
    return goods, amount - goods

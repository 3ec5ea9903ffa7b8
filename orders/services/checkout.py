"""Checkout: the cart (or a "Buy now" line) becomes one order with a part per vendor.

`_place_order` runs its steps in one transaction, in this order: read the items, price
them (locking the shopper's promotion counts), quote each part's shipping to the
address's province (checkout_shipping.py: refused if an item is not delivered there or
the fees are not those the page showed), write the order with its parts, lines and
events, tell people, empty the cart, take stock, take promotion units, count the order
for the impact board. Reads come first and stock late, so the product rows stay locked
for as short a time as possible.
"""

from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Product
from catalog.page_cache import bump_catalog_revision
from catalog.promotions import checkout as promotions
from catalog.promotions.pricing import schedule_at
from orders import messages, money_hooks, selectors
from orders.impact import rollups as impact
from orders.locks import StockTaken, take_stock
from orders.models import Address, Cart, CartItem, Order, OrderEvent, OrderLine, OrderPart
from orders.payments import method_for
from orders.services import checkout_shipping as shipping
from orders.services.problems import NOT_AVAILABLE, CheckoutProblem, _stock_problem
from orders.shipping.selectors import link_products, with_freight_links

EMPTY_CART = _("Your cart is empty.")
PRICES_CHANGED = _(
    "Prices changed since you opened this page: a promotion started or "
    "ended. Here are the prices now; place the order again to accept them."
)
SHIPPING_CHANGED = shipping.SHIPPING_CHANGED
NOT_DELIVERED = shipping.NOT_DELIVERED
# What a checkout refuses only because the prices (or the shipping fees) are not the ones
# its page showed: the page shows a fresh form with them.
PRICE_CHANGES = frozenset({"prices_changed", "flash_sale_over", "shipping_changed"})
CART_CHANGED = _(
    "Your cart changed in another window while you were checking out. Check "
    "it and place the order again."
)


def place_order(
    cart: Cart | None,
    *,
    shopper: AbstractBaseUser,
    address: Address,
    payment_method: str,
    idempotency_key: str,
    expected_total: Decimal | None = None,
    items: list[CartItem] | None = None,
    expected_shipping: Decimal | None = None,
) -> Order:
    """Turn the cart (None: the shopper's) into one order with a part per vendor, taking
    stock. `items` (unsaved cart items, see `buy_now_item`) are bought instead of the
    cart, which is then left as it is.

    Prices are `price_for` at this moment; nothing from the browser is a price. Stock is
    taken with conditional updates (orders/locks.py), so concurrent buyers never oversell.
    Raises CheckoutProblem naming every item that cannot be bought; then nothing changes
    (the cart stays as it was). The same `idempotency_key` returns the same order.
    Each part is quoted to `address.province` (its shop's freight templates): its fee
    is stored on it and `Order.total` is goods and shipping. An item its shop does not
    deliver there is refused (CheckoutProblem "not_delivered", naming each).
    `expected_total` is the total (goods and shipping) the shopper was shown, and
    `expected_shipping` the shipping in it: if prices changed since (a promotion started
    or ended), or the fees did (a shop edited its template), nothing is placed and the
    shopper sees the new ones.
    """
    try:
        with transaction.atomic():
            return _place_order(
                cart,
                shopper,
                address,
                payment_method,
                idempotency_key,
                (expected_total, expected_shipping),
                items,
            )
    except CheckoutProblem:
        # This very checkout already made its order (a double click, a retried POST):
        # whatever the cart holds now, that order is the answer.
        existing = _order_with_key(shopper, idempotency_key)
        if existing:
            return existing
        raise
    except IntegrityError:
        # A second submission of the same checkout won the race; it is the order.
        existing = _order_with_key(shopper, idempotency_key)
        if existing is None:
            raise
        return existing


def _order_with_key(shopper: AbstractBaseUser, idempotency_key: str) -> Order | None:
    return Order.objects.filter(shopper=shopper, idempotency_key=idempotency_key).first()


def _place_order(
    cart: Cart | None,
    shopper: AbstractBaseUser,
    address: Address,
    payment_method: str,
    idempotency_key: str,
    expected: tuple[Decimal | None, Decimal | None],
    bought_now: list[CartItem] | None = None,
) -> Order:
    """Reads, then every INSERT (totals and status known up front, one statement per
    table), then stock last, so the product rows stay locked for as short a time as
    possible. `expected`: (the total, the shipping) the page showed."""
    items = _items_on_sale(_items_to_buy(cart, shopper, bought_now))
    prices, parts, lines = _price_items(items, shopper)
    goods = sum(part.subtotal for part in parts)
    quotes = shipping.quote_parts(lines, address.province)
    shipping.refuse_not_delivered(quotes, address.province)
    fee = shipping.add_fees(parts, quotes)
    _check_expected_total(items, prices, goods, fee, expected)
    total = goods + fee
    method = method_for(payment_method)
    confirmed = method.confirmed_when_placed
    order = _write_order(
        shopper, address, payment_method, idempotency_key, total, parts, lines, confirmed=confirmed
    )
    if method.announced_when_placed:  # an online order is announced when it is paid
        messages.notify_order_placed(order, parts)
    if bought_now is None:  # buy now leaves the cart as it is
        _empty_cart(items)

    stock = _take_stock(items)
    units = promotions.take_promotion_units(lines, shopper.pk)
    if units.problems:
        raise CheckoutProblem(units.problems)
    if confirmed:  # last: the day's impact row stays locked only until COMMIT
        impact.record_change(
            order, [], [impact.counted_line(line, order.pk, line.part.vendor_id) for line in lines]
        )
    # Pages showing "only N left", "sold out" or another "已售" label render again (those
    # products' pages and cards; every listing if one sold out). Above that, a cached page
    # saying "in stock" is still true: it is left alone, so a busy checkout does not make
    # every shopper's page render again.
    stock.mark_pages_stale()
    if units.shown_changed:  # a flash price no longer there
        bump_catalog_revision()
    return order


def _items_to_buy(
    cart: Cart | None, shopper: AbstractBaseUser, bought_now: list[CartItem] | None
) -> list:
    """The cart's items (None: the shopper's cart), or the "Buy now" lines with their
    products read afresh."""
    if bought_now is not None:  # buy now: these lines, their products read afresh
        return selectors.buy_now_items(
            [(i.product_id, i.quantity, i.channel) for i in bought_now], photos=False
        )
    # In the cart page's order: a flash sale's last units go to the same lines there and here.
    items = with_freight_links(
        CartItem.objects.select_related("product__vendor").order_by("added_at", "id"),
        "product_id",
    )
    # No cart given: the shopper's own, read with its items in the one query.
    items = list(items.filter(cart=cart) if cart is not None else items.filter(cart__user=shopper))
    return link_products(items)


def _items_on_sale(items: list) -> list:
    """`items`, refused with CheckoutProblem if there are none or some are off sale."""
    if not items:
        raise CheckoutProblem(EMPTY_CART, code="empty_cart")
    problems = [
        ValidationError(
            NOT_AVAILABLE, code="not_available", params={"product": i.product.display_name}
        )
        for i in items
        if not i.product.is_on_sale
    ]
    if problems:
        raise CheckoutProblem(problems)
    return items


def _price_items(
    items: list, shopper: AbstractBaseUser
) -> tuple[list, list[OrderPart], list[OrderLine]]:
    """Price the items now (locking the shopper's promotion counts) and build, unsaved,
    the order's parts (one per vendor, with subtotal and weight) and lines."""
    now = timezone.now()
    schedule = schedule_at(now)
    prices = promotions.price_lines(items, shopper.pk, now, schedule, lock_shopper=True)
    parts, lines = {}, []
    # A line per portion of an item (the units within a limit or a flash sale's last
    # units, the rest at the next-best price): each counts for its own promotion.
    portions = [
        (item, portion)
        for item, item_price in zip(items, prices, strict=True)
        for portion in item_price.portions
    ]
    for item, portion in portions:
        product, price = item.product, portion.price
        part = parts.setdefault(
            product.vendor_id,
            OrderPart(vendor_id=product.vendor_id, subtotal=Decimal("0"), weight_g=0),
        )
        line = OrderLine(
            part=part,  # saved below; bulk_create then takes its new primary key
            product=product,
            **OrderLine.snapshot_of(product),
            unit_price=price.amount,
            quantity=portion.quantity,
            line_total=portion.line_total,
            weight_g=product.net_weight_g * portion.quantity,
            promotion_id=price.promotion.pk if price.promotion else None,
            discount=portion.discount,
            price_cut=portion.cut_by,
            channel=price.channel,
            category_id=product.category_id,
            origin_county_id=product.origin_county_id,
        )
        line.scheduled_promotion = price.promotion  # for the limits and caps below
        lines.append(line)
        part.subtotal += line.line_total
        part.weight_g += line.weight_g
    return prices, list(parts.values()), lines


def _check_expected_total(
    items: list,
    prices: list,
    goods: Decimal,
    fee: Decimal,
    expected: tuple[Decimal | None, Decimal | None],
) -> None:
    """Refuse the checkout if its total (`goods` and the shipping `fee`) is not the one
    the shopper was shown: the goods first (a price that changed may change the fee too),
    then the fees."""
    expected_total, expected_shipping = expected
    shown_fee = fee if expected_shipping is None else expected_shipping
    if expected_total is not None and goods != expected_total - shown_fee:
        # A flash sale that ran out says so; anything else is a promotion that started or
        # ended (or a stream that did).
        sold_out = promotions.sold_out_problems(items, prices)
        raise (
            CheckoutProblem(sold_out)
            if sold_out
            else CheckoutProblem(PRICES_CHANGED, code="prices_changed")
        )
    shipping.refuse_changed_shipping(fee, expected_shipping)


def _write_order(
    shopper: AbstractBaseUser,
    address: Address,
    payment_method: str,
    idempotency_key: str,
    total: Decimal,
    parts: list[OrderPart],
    lines: list[OrderLine],
    *,
    confirmed: bool,
) -> Order:
    """INSERT the order, then its parts, lines and events, one statement per table."""
    order = Order.objects.create(
        shopper=shopper,
        status=Order.Status.CONFIRMED if confirmed else Order.Status.PLACED,
        payment_method=payment_method,
        address=address.snapshot(),
        mobile=address.mobile,
        total=total,
        shipping_fee=sum((part.shipping_fee for part in parts), Decimal("0")),
        weight_g=sum(part.weight_g for part in parts),
        idempotency_key=idempotency_key,
    )
    for part in parts:
        part.order = order
    OrderPart.objects.bulk_create(parts)
    money_hooks.rate_for_lines(lines)  # each line keeps the commission rate in force now
    OrderLine.objects.bulk_create(lines)
    events = [OrderEvent(order=order, to_status=Order.Status.PLACED, by=shopper)]
    if confirmed:
        events.append(
            OrderEvent(
                order=order, from_status=Order.Status.PLACED, to_status=Order.Status.CONFIRMED
            )
        )
    OrderEvent.objects.bulk_create(events)
    return order


def _empty_cart(items: list[CartItem]) -> None:
    """Delete the bought items from the cart, refused if another window's checkout took
    them meanwhile."""
    emptied, _ = CartItem.objects.filter(pk__in=[i.pk for i in items]).delete()
    if emptied != len(items):  # another window's checkout took these items meanwhile
        raise CheckoutProblem(CART_CHANGED, code="cart_changed")


def _take_stock(items: list) -> StockTaken:
    """Take the items' stock with conditional updates; refused with CheckoutProblem
    naming each item short of stock (or gone off sale meanwhile)."""
    stock = take_stock({i.product_id: i.quantity for i in items})
    short = set(stock.short)
    if short:
        fresh = Product.objects.select_related("vendor").in_bulk(short)
        raise CheckoutProblem(
            [
                ValidationError(
                    NOT_AVAILABLE, code="not_available", params={"product": i.product.display_name}
                )
                if not fresh[i.product_id].is_on_sale
                else _stock_problem(fresh[i.product_id], i.quantity)
                for i in items
                if i.product_id in short
            ]
        )
    return stock

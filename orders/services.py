"""What shoppers and staff do with carts and orders; each function is one transaction."""

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Product
from catalog.page_cache import bump_catalog_revision
from catalog.promotions import checkout as promotions
from catalog.promotions.pricing import schedule_at
from core.transitions import TransitionTable
from orders import channels, messages, selectors
from orders.channels import ChannelPage
from orders.impact import rollups as impact
from orders.locks import return_stock, take_stock
from orders.models import Cart, CartItem, Order, OrderEvent, OrderLine, OrderPart
from orders.payments import method_for

NOT_AVAILABLE = _("“%(product)s” is no longer on sale.")
NOT_ENOUGH_STOCK = _("Only %(stock)s of “%(product)s” left; you asked for %(quantity)s.")
SOLD_OUT = _("“%(product)s” is sold out.")
EMPTY_CART = _("Your cart is empty.")
BAD_QUANTITY = _("Choose a quantity of at least 1.")
ORDER_TRANSITION_REFUSED = _("An order that is %(current)s cannot be %(new)s.")
ORDER_TRANSITIONS = TransitionTable(
    Order.Status,
    {
        Order.Status.PLACED: {Order.Status.CONFIRMED, Order.Status.CANCELLED},
        Order.Status.CONFIRMED: {Order.Status.CANCELLED, Order.Status.COMPLETED},
        Order.Status.COMPLETED: set(),
        Order.Status.CANCELLED: set(),
    },
    refused=ORDER_TRANSITION_REFUSED,
    code="order_transition",
)
PRICES_CHANGED = _(
    "Prices changed since you opened this page: a promotion started or "
    "ended. Here are the prices now; place the order again to accept them."
)
# What a checkout refuses only because the prices are not the ones its page showed.
PRICE_CHANGES = frozenset({"prices_changed", "flash_sale_over"})
CART_CHANGED = _(
    "Your cart changed in another window while you were checking out. Check "
    "it and place the order again."
)
SHIPPED_CANNOT_CANCEL = _("Part of this order has shipped; it can no longer be cancelled.")


class CheckoutProblem(ValidationError):
    """Items that cannot be bought as the cart stands; `messages` says which and why."""


def _stock_problem(product, quantity):
    if product.stock == 0:
        return ValidationError(SOLD_OUT, code="sold_out", params={"product": product.display_name})
    return ValidationError(
        NOT_ENOUGH_STOCK,
        code="not_enough_stock",
        params={"product": product.display_name, "stock": product.stock, "quantity": quantity},
    )


def set_cart_quantity(cart, product, quantity):
    """Put `quantity` of `product` in the cart (0 removes it), within what is in stock."""
    if quantity < 0:
        raise ValidationError(BAD_QUANTITY, code="bad_quantity")
    if quantity == 0:  # removing works even for a product no longer on sale
        CartItem.objects.filter(cart=cart, product=product).delete()
        return None
    if not Product.objects.visible().filter(pk=product.pk).exists():
        raise ValidationError(
            NOT_AVAILABLE, code="not_available", params={"product": product.display_name}
        )
    with transaction.atomic():
        if quantity > product.stock:
            raise _stock_problem(product, quantity)
        item, _created = CartItem.objects.update_or_create(
            cart=cart, product=product, defaults={"quantity": quantity}
        )
        Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return item


def add_to_cart(
    cart: Cart, product: Product, quantity: int = 1, *, bought_from: ChannelPage | None = None
) -> CartItem:
    """Add `quantity` more of `product` (what the product page's button does). From a
    channel's page that sells it (a live stream's that is live and features it), the
    item is the channel's: its price applies while the channel sells it, and the sale
    counts for the channel."""
    if quantity < 1:
        raise ValidationError(BAD_QUANTITY, code="bad_quantity")
    current = CartItem.objects.filter(cart=cart, product=product).values_list("quantity", flat=True)
    item = set_cart_quantity(cart, product, (current.first() or 0) + quantity)
    if channel := channels.channel_for(bought_from, product):
        CartItem.objects.filter(pk=item.pk).update(channel=channel)
        item.channel = channel
    return item


def buy_now_item(
    product: Product, quantity: int = 1, *, bought_from: ChannelPage | None = None
) -> CartItem:
    """The one line "Buy now" checks out on its own (an unsaved cart item: the cart is
    not touched), checked as adding it to the cart would be. From a channel's page that
    sells the product, it is the channel's, as in `add_to_cart`."""
    if quantity < 1:
        raise ValidationError(BAD_QUANTITY, code="bad_quantity")
    if not Product.objects.visible().filter(pk=product.pk).exists():
        raise ValidationError(
            NOT_AVAILABLE, code="not_available", params={"product": product.display_name}
        )
    if quantity > product.stock:
        raise _stock_problem(product, quantity)
    return CartItem(
        product=product, quantity=quantity, channel=channels.channel_for(bought_from, product)
    )


def merge_carts(anonymous_cart, user_cart):
    """At sign-in: move the session cart's items into the shopper's cart (larger wins).

    An item added from a channel's page (a livestream's) stays the channel's: its price
    and the channel's sales figures survive signing in to pay."""
    with transaction.atomic():
        mine = {i.product_id: i for i in user_cart.items.all()}
        for item in anonymous_cart.items.select_related("product"):
            existing = mine.get(item.product_id)
            quantity = min(max(item.quantity, getattr(existing, "quantity", 0)), item.product.stock)
            if quantity > 0:
                channel = item.channel or getattr(existing, "channel", "")
                CartItem.objects.update_or_create(
                    cart=user_cart,
                    product=item.product,
                    defaults={"quantity": quantity, "channel": channel},
                )
        anonymous_cart.delete()
    return user_cart


def place_order(
    cart, *, shopper, address, payment_method, idempotency_key, expected_total=None, items=None
):
    """Turn the cart (None: the shopper's) into one order with a part per vendor, taking
    stock. `items` (unsaved cart items, see `buy_now_item`) are bought instead of the
    cart, which is then left as it is.

    Prices are `price_for` at this moment; nothing from the browser is a price. Stock is
    taken with conditional updates (orders/locks.py), so concurrent buyers never oversell.
    Raises CheckoutProblem naming every item that cannot be bought; then nothing changes
    (the cart stays as it was). The same `idempotency_key` returns the same order.
    `expected_total` is the total the shopper was shown: if prices changed since (a
    promotion started or ended), nothing is placed and the shopper sees the new prices.
    """
    try:
        with transaction.atomic():
            return _place_order(
                cart, shopper, address, payment_method, idempotency_key, expected_total, items
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


def _order_with_key(shopper, idempotency_key):
    return Order.objects.filter(shopper=shopper, idempotency_key=idempotency_key).first()


def _place_order(
    cart, shopper, address, payment_method, idempotency_key, expected_total, bought_now=None
):
    """Reads, then every INSERT (totals and status known up front, one statement per
    table), then stock last, so the product rows stay locked for as short a time as
    possible."""
    if bought_now is not None:  # buy now: these lines, their products read afresh
        items = selectors.buy_now_items(
            [(i.product_id, i.quantity, i.channel) for i in bought_now], photos=False
        )
    else:
        # In the cart page's order: a flash sale's last units go to the same lines there and here.
        items = CartItem.objects.select_related("product__vendor").order_by("added_at", "id")
        # No cart given: the shopper's own, read with its items in the one query.
        items = list(
            items.filter(cart=cart) if cart is not None else items.filter(cart__user=shopper)
        )
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
    parts = list(parts.values())
    total = sum(part.subtotal for part in parts)
    if expected_total is not None and total != expected_total:
        # A flash sale that ran out says so; anything else is a promotion that started or
        # ended (or a stream that did).
        sold_out = promotions.sold_out_problems(items, prices)
        raise (
            CheckoutProblem(sold_out)
            if sold_out
            else CheckoutProblem(PRICES_CHANGED, code="prices_changed")
        )
    confirmed = method_for(payment_method).confirmed_when_placed
    order = Order.objects.create(
        shopper=shopper,
        status=Order.Status.CONFIRMED if confirmed else Order.Status.PLACED,
        payment_method=payment_method,
        address=address.snapshot(),
        mobile=address.mobile,
        total=total,
        weight_g=sum(part.weight_g for part in parts),
        idempotency_key=idempotency_key,
    )
    for part in parts:
        part.order = order
    OrderPart.objects.bulk_create(parts)
    OrderLine.objects.bulk_create(lines)
    events = [OrderEvent(order=order, to_status=Order.Status.PLACED, by=shopper)]
    if confirmed:
        events.append(
            OrderEvent(
                order=order, from_status=Order.Status.PLACED, to_status=Order.Status.CONFIRMED
            )
        )
    OrderEvent.objects.bulk_create(events)
    messages.notify_order_placed(order, parts)
    if bought_now is None:  # buy now leaves the cart as it is
        emptied, _ = CartItem.objects.filter(pk__in=[i.pk for i in items]).delete()
        if emptied != len(items):  # another window's checkout took these items meanwhile
            raise CheckoutProblem(CART_CHANGED, code="cart_changed")

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
    units = promotions.take_promotion_units(lines, shopper.pk)
    if units.problems:
        raise CheckoutProblem(units.problems)
    if confirmed:  # last: the day's impact row stays locked only until COMMIT
        impact.record_change(
            order, [], [impact.counted_line(line, order.pk, line.part.vendor_id) for line in lines]
        )
    if stock.shown_changed or units.shown_changed:
        # Pages show "only N left", "sold out" or a flash price no longer there. Above
        # that, a cached page saying "in stock" is still true: it is left alone, so a busy
        # checkout does not make every shopper's page render again.
        bump_catalog_revision()
    return order


def cancel_order(order, *, by):
    """Cancel before anything shipped: every part still open cancelled, its stock
    returned (a part its shop cancelled already gave its stock back)."""
    with transaction.atomic():
        # Lock the order: a vendor shipping a part at the same moment waits for this.
        order = Order.objects.select_for_update().get(pk=order.pk)
        _check_transition(order, Order.Status.CANCELLED)
        parts = list(order.parts.select_for_update().order_by("pk"))
        if any(
            p.status not in (OrderPart.Status.PENDING, OrderPart.Status.CANCELLED) for p in parts
        ):
            raise ValidationError(SHIPPED_CANNOT_CANCEL, code="already_shipped")
        open_parts = [p for p in parts if p.status == OrderPart.Status.PENDING]
        vendor_of = {part.pk: part.vendor_id for part in open_parts}
        lines = list(OrderLine.objects.filter(part__in=open_parts))
        counted = (
            [impact.counted_line(line, order.pk, vendor_of[line.part_id]) for line in lines]
            if order.status in impact.COUNTED_ORDER_STATUSES
            else []
        )
        returned = defaultdict(int)
        for line in lines:
            if line.product_id:
                returned[line.product_id] += line.quantity
        return_stock(returned)
        promotions.return_promotion_units(lines, order.shopper_id)
        OrderEvent.objects.bulk_create(
            [
                OrderEvent(
                    order=order,
                    part=part,
                    from_status=part.status,
                    to_status=OrderPart.Status.CANCELLED,
                    by=by,
                )
                for part in open_parts
            ]
        )
        OrderPart.objects.filter(pk__in=vendor_of).update(status=OrderPart.Status.CANCELLED)
        _set_status(order, Order.Status.CANCELLED, by)
        messages.notify_order_cancelled(order, open_parts)
        bump_catalog_revision()
        impact.record_change(order, counted, [])  # last: the day's row stays locked briefly
    return order


def _check_transition(order, new_status):
    ORDER_TRANSITIONS.check(order.status, new_status)


def _set_status(order, new_status, by):
    OrderEvent.objects.create(order=order, from_status=order.status, to_status=new_status, by=by)
    order.status = new_status
    order.save(update_fields=["status", "updated_at"])


def save_address(user, address):
    """Save an address-book entry; the one marked default becomes the only default."""
    with transaction.atomic():
        address.user = user
        first = not user.addresses.exclude(pk=address.pk).exists()
        address.is_default = address.is_default or first
        address.save()
        if address.is_default:
            user.addresses.exclude(pk=address.pk).update(is_default=False)
    return address


PART_TRANSITION_REFUSED = _("A part that is %(current)s cannot be %(new)s.")
NOT_CONFIRMED = _("This order is not confirmed yet; wait for the payment before shipping.")
TRACKING_REQUIRED = _("Enter the carrier and the tracking number.")
CANCEL_REASON_REQUIRED = _("Say why this part cannot be shipped; the shopper will read it.")
PART_TRANSITIONS = TransitionTable(
    OrderPart.Status,
    {
        OrderPart.Status.PENDING: {OrderPart.Status.SHIPPED, OrderPart.Status.CANCELLED},
        OrderPart.Status.SHIPPED: {OrderPart.Status.DELIVERED},
        OrderPart.Status.DELIVERED: set(),
        OrderPart.Status.CANCELLED: set(),
    },
    refused=PART_TRANSITION_REFUSED,
    code="part_transition",
)


def confirm_payment(order, *, by):
    """Staff saw the bank transfer arrive: the order is confirmed and can ship."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        _check_transition(order, Order.Status.CONFIRMED)
        _set_status(order, Order.Status.CONFIRMED, by)
        impact.record_change(order, [], impact.counted_lines(order))
    return order


def cancel_part(part, *, reason, by):
    """A shop cannot ship its part (sold out at the farm, a lost harvest): that part is
    cancelled with the reason, its stock and flash-sale units go back, and the shopper is
    told. The rest of the order stands; with no part left, the order is cancelled."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(CANCEL_REASON_REQUIRED, code="reason_required")
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=part.order_id)
        part = OrderPart.objects.select_for_update().get(pk=part.pk)
        before = impact.counted_lines(order)
        _set_part_status(part, OrderPart.Status.CANCELLED, by, note=reason)
        part.save(update_fields=["status"])
        lines = list(part.lines.all())
        returned = defaultdict(int)
        for line in lines:
            if line.product_id:
                returned[line.product_id] += line.quantity
        return_stock(returned)
        promotions.return_promotion_units(lines, order.shopper_id)
        left = order.parts.exclude(status=OrderPart.Status.CANCELLED)
        if not left.exists():
            _set_status(order, Order.Status.CANCELLED, by)
        elif not left.exclude(status=OrderPart.Status.DELIVERED).exists():
            _set_status(order, Order.Status.COMPLETED, by)
        part.order = order
        messages.notify_part_cancelled(part, reason)
        bump_catalog_revision()
        impact.record_change(order, before, impact.counted_lines(order))  # last, as above
    return part


def ship_part(part, *, carrier, tracking_number, by):
    """A vendor hands its part to a carrier."""
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    if not carrier or not tracking_number:
        raise ValidationError(TRACKING_REQUIRED, code="tracking_required")
    with transaction.atomic():
        # Lock the order first, as cancel_order does, so the two never cross.
        order = Order.objects.select_for_update().get(pk=part.order_id)
        part = OrderPart.objects.select_for_update().get(pk=part.pk)
        if order.status != Order.Status.CONFIRMED:
            raise ValidationError(NOT_CONFIRMED, code="not_confirmed")
        _set_part_status(part, OrderPart.Status.SHIPPED, by)
        part.carrier, part.tracking_number, part.shipped_at = (
            carrier,
            tracking_number,
            timezone.now(),
        )
        part.save(update_fields=["status", "carrier", "tracking_number", "shipped_at"])
        messages.notify_part_shipped(part)
    return part


def deliver_part(part, *, by):
    """The carrier delivered a part; when every part is done, so is the order."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=part.order_id)
        part = OrderPart.objects.select_for_update().get(pk=part.pk)
        _set_part_status(part, OrderPart.Status.DELIVERED, by)
        part.delivered_at = timezone.now()
        part.save(update_fields=["status", "delivered_at"])
        open_parts = order.parts.exclude(
            status__in=[OrderPart.Status.DELIVERED, OrderPart.Status.CANCELLED]
        )
        if not open_parts.exists():
            _set_status(order, Order.Status.COMPLETED, by)
    return part


def _set_part_status(part, new_status, by, note=""):
    PART_TRANSITIONS.check(part.status, new_status)
    OrderEvent.objects.create(
        order_id=part.order_id,
        part=part,
        from_status=part.status,
        to_status=new_status,
        by=by,
        note=note,
    )
    part.status = new_status

"""The shopper's cart: what is in it, what "Buy now" checks out, and the merge at sign-in."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.models import Product
from orders.models import Cart, CartItem
from orders.services.problems import BAD_QUANTITY, NOT_AVAILABLE, _stock_problem


def set_cart_quantity(cart: Cart, product: Product, quantity: int) -> CartItem | None:
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


def add_to_cart(cart, product, quantity=1, *, stream=None):
    """Add `quantity` more of `product` (what the product page's button does). From a
    live stream's page that features it, the item is the stream's: its stream price
    applies while the stream is live, and the sale counts for the stream."""
    if quantity < 1:
        raise ValidationError(BAD_QUANTITY, code="bad_quantity")
    current = CartItem.objects.filter(cart=cart, product=product).values_list("quantity", flat=True)
    item = set_cart_quantity(cart, product, (current.first() or 0) + quantity)
    if _bought_from(stream, product):
        CartItem.objects.filter(pk=item.pk).update(stream=stream)
        item.stream = stream
    return item


def _bought_from(stream, product):
    """The stream an item is bought from: one that is live and features the product."""
    return (
        stream is not None and stream.is_live and stream.featured.filter(product=product).exists()
    )


def buy_now_item(product, quantity=1, *, stream=None):
    """The one line "Buy now" checks out on its own (an unsaved cart item: the cart is
    not touched), checked as adding it to the cart would be. From a live stream's page
    that features the product, it is the stream's, as in `add_to_cart`."""
    if quantity < 1:
        raise ValidationError(BAD_QUANTITY, code="bad_quantity")
    if not Product.objects.visible().filter(pk=product.pk).exists():
        raise ValidationError(
            NOT_AVAILABLE, code="not_available", params={"product": product.display_name}
        )
    if quantity > product.stock:
        raise _stock_problem(product, quantity)
    return CartItem(
        product=product, quantity=quantity, stream=stream if _bought_from(stream, product) else None
    )


def merge_carts(anonymous_cart: Cart, user_cart: Cart) -> Cart:
    """At sign-in: move the session cart's items into the shopper's cart (larger wins).

    An item added from a livestream's page stays the stream's: its stream price and the
    stream's sales figures survive signing in to pay."""
    with transaction.atomic():
        mine = {i.product_id: i for i in user_cart.items.all()}
        for item in anonymous_cart.items.select_related("product"):
            existing = mine.get(item.product_id)
            quantity = min(max(item.quantity, getattr(existing, "quantity", 0)), item.product.stock)
            if quantity > 0:
                stream_id = item.stream_id or getattr(existing, "stream_id", None)
                CartItem.objects.update_or_create(
                    cart=user_cart,
                    product=item.product,
                    defaults={"quantity": quantity, "stream_id": stream_id},
                )
        anonymous_cart.delete()
    return user_cart

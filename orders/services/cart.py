"""The shopper's cart: what is in it, what "Buy now" checks out, and the merge at sign-in."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.models import Product
from orders import channels
from orders.channels import ChannelPage
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


def merge_carts(anonymous_cart: Cart, user_cart: Cart) -> Cart:
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

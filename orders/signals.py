"""Framework hooks of the orders app."""

from notifications.models import Notification
from orders import services
from orders.models import Cart, Order
from orders.selectors import SESSION_CART_KEY


def merge_cart_at_sign_in(sender, request, user, **kwargs):
    """The cart a shopper filled before signing in joins their account's cart."""
    if request is None or not hasattr(request, "session"):
        return
    cart_id = request.session.pop(SESSION_CART_KEY, None)
    anonymous = Cart.objects.filter(pk=cart_id, user=None).first() if cart_id else None
    if anonymous is not None:
        user_cart, _ = Cart.objects.get_or_create(user=user)
        services.merge_carts(anonymous, user_cart)


def delete_messages_about_order(sender, instance: Order, **kwargs) -> None:
    """The messages about an order go with it (they were its rows' once, by a cascading
    foreign key): those whose context names it, in one query."""
    Notification.objects.filter(context__order_id=instance.pk).delete()

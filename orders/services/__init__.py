"""What shoppers and staff do with carts and orders; each function is one transaction.

`from orders import services; services.place_order(...)`: the public names of the
modules below, re-exported here.
"""

from orders.services.addresses import save_address
from orders.services.cart import add_to_cart, buy_now_item, merge_carts, set_cart_quantity
from orders.services.checkout import (
    CART_CHANGED,
    EMPTY_CART,
    NOT_DELIVERED,
    PRICE_CHANGES,
    PRICES_CHANGED,
    SHIPPING_CHANGED,
    place_order,
)
from orders.services.lifecycle import (
    CANCEL_REASON_REQUIRED,
    NOT_CONFIRMED,
    ORDER_TRANSITION_REFUSED,
    ORDER_TRANSITIONS,
    PART_TRANSITION_REFUSED,
    PART_TRANSITIONS,
    SHIPPED_CANNOT_CANCEL,
    TRACKING_REQUIRED,
    cancel_order,
    cancel_part,
    close_unpaid_order,
    confirm_payment,
    deliver_part,
    ship_part,
)
from orders.services.problems import (
    BAD_QUANTITY,
    NOT_AVAILABLE,
    NOT_ENOUGH_STOCK,
    SOLD_OUT,
    CheckoutProblem,
)

__all__ = [
    "BAD_QUANTITY",
    "CANCEL_REASON_REQUIRED",
    "CART_CHANGED",
    "EMPTY_CART",
    "NOT_AVAILABLE",
    "NOT_CONFIRMED",
    "NOT_DELIVERED",
    "NOT_ENOUGH_STOCK",
    "ORDER_TRANSITIONS",
    "ORDER_TRANSITION_REFUSED",
    "PART_TRANSITIONS",
    "PART_TRANSITION_REFUSED",
    "PRICES_CHANGED",
    "PRICE_CHANGES",
    "SHIPPED_CANNOT_CANCEL",
    "SHIPPING_CHANGED",
    "SOLD_OUT",
    "TRACKING_REQUIRED",
    "CheckoutProblem",
    "add_to_cart",
    "buy_now_item",
    "cancel_order",
    "cancel_part",
    "close_unpaid_order",
    "confirm_payment",
    "deliver_part",
    "merge_carts",
    "place_order",
    "save_address",
    "set_cart_quantity",
    "ship_part",
]

"""The orders app's models, one module per family; every name is importable from here
(`from orders.models import Order`)."""

from orders.impact.models import DailySales, Pledge
from orders.models.addresses import MAINLAND_MOBILE, Address
from orders.models.carts import CHANNEL_HELP, Cart, CartItem
from orders.models.orders import (
    ORDER_NUMBER_ALPHABET,
    Order,
    OrderEvent,
    OrderLine,
    OrderPart,
    new_order_number,
)
from orders.shipping.models import FreightRate, FreightTemplate, ProductFreight

__all__ = [
    "CHANNEL_HELP",
    "MAINLAND_MOBILE",
    "ORDER_NUMBER_ALPHABET",
    "Address",
    "Cart",
    "CartItem",
    "DailySales",
    "FreightRate",
    "FreightTemplate",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderPart",
    "Pledge",
    "ProductFreight",
    "new_order_number",
]

"""Orders as shoppers make them and receive them, for the review tests, and the figures
a shopper reads (a product's rating and count, a shop's 90-day rating)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from catalog.models import Product, Vendor
from orders import services as order_services
from orders.models import Order, OrderLine, OrderPart
from orders.shipping.services.delivery import confirm_receipt
from tests.factories import ProductFactory, UserFactory
from tests.support.online_orders import checkout


def oranges(**fields):
    """Zigui navel oranges, 5 kg a box."""
    fields.setdefault("stock", 100)
    return ProductFactory(price=Decimal("59.00"), net_weight_g=5000, **fields)


def placed(*items, shopper=None) -> Order:
    """A checked-out order (cash on delivery: confirmed at once)."""
    return checkout(*items, payment_method="cod", shopper=shopper)


def shipped(order: Order) -> Order:
    for part in order.parts.all():
        order_services.ship_part(part, carrier="sf", tracking_number="SF1234567890", by=None)
    return order


def received(order: Order, *, days_ago: int = 0) -> Order:
    """Shipped and receipt confirmed by the shopper (`days_ago` days ago)."""
    shipped(order)
    for part in order.parts.all():
        confirm_receipt(part, by=order.shopper)
    if days_ago:
        OrderPart.objects.filter(order=order).update(
            delivered_at=timezone.now() - timedelta(days=days_ago)
        )
    order.refresh_from_db()
    return order


def received_line(product=None, *, shopper=None, days_ago: int = 0) -> OrderLine:
    """The one line of a received order of `product` (a new box of oranges if none)."""
    order = received(placed((product or oranges(), 1), shopper=shopper), days_ago=days_ago)
    return first_line(order)


def first_line(order: Order) -> OrderLine:
    return OrderLine.objects.filter(part__order=order).select_related("part__order").first()


def figures(product) -> tuple[int, int, Decimal | None]:
    """(count, stars in all, rating) a card reads of `product`."""
    product = Product.objects.get(pk=product.pk)
    return product.rating_count, product.rating_total, product.rating


def shop_rating(vendor) -> tuple[Decimal | None, int]:
    vendor = Vendor.objects.get(pk=vendor.pk)
    return vendor.recent_rating, vendor.recent_rating_count


def staff_member():
    return UserFactory(is_staff=True, is_superuser=True)

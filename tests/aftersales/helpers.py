"""Orders as shoppers make them, shipped and received, for the after-sales tests."""

from decimal import Decimal

from aftersales import services
from aftersales.models import AfterSalesRequest
from orders import services as order_services
from orders.models import Order, OrderLine
from orders.shipping.services.delivery import confirm_receipt
from tests.factories import ProductFactory, upload
from tests.support.online_orders import checkout

Kind = AfterSalesRequest.Kind
Reason = AfterSalesRequest.Reason


def crayfish(price="88.00", **fields):
    """Live Qianjiang crayfish, 1 kg a box."""
    return ProductFactory(price=Decimal(price), net_weight_g=1000, stock=100, **fields)


def placed(*items, payment_method="cod", shopper=None) -> Order:
    """A checked-out order (cash on delivery: confirmed at once)."""
    return checkout(*items, payment_method=payment_method, shopper=shopper)


def shipped(order: Order) -> Order:
    for part in order.parts.all():
        order_services.ship_part(part, carrier="sf", tracking_number="SF1234567890", by=None)
    return order


def received(order: Order) -> Order:
    shipped(order)
    for part in order.parts.all():
        confirm_receipt(part, by=order.shopper)
    order.refresh_from_db()
    return order


def first_line(order: Order) -> OrderLine:
    return OrderLine.objects.filter(part__order=order).order_by("pk").first()


def report(
    line: OrderLine,
    *,
    kind=Kind.REFUND_ONLY,
    reason=Reason.SPOILED,
    quantity=None,
    amount=None,
    photos=1,
    description="Half of them were dead.",
):
    """The line's shopper opens a request with `photos` photos."""
    return services.open_request(
        line,
        shopper=line.part.order.shopper,
        kind=kind,
        reason=reason,
        quantity=line.quantity if quantity is None else quantity,
        amount=amount,
        description=description,
        photos=[upload(f"p{n}.jpg") for n in range(photos)],
    )

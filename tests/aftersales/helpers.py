"""Orders as shoppers make them, shipped and received, for the after-sales tests; the
people who answer (a shop's owner, staff); the figures a user would read (stock, what a
line says was refunded, a request's timeline, the impact board's rows)."""

from decimal import Decimal

from aftersales import services
from aftersales.models import AfterSalesRequest
from catalog.models import Product, VendorMember
from notifications.models import Notification
from orders import services as order_services
from orders.impact.models import DailySales
from orders.models import Order, OrderLine
from orders.shipping.services.delivery import confirm_receipt
from payments.models import Payment
from tests.factories import (
    FreightRateFactory,
    FreightTemplateFactory,
    ProductFactory,
    UserFactory,
    VendorMemberFactory,
    upload,
)
from tests.support.online_orders import checkout, start
from tests.support.payments import pay_in_sandbox

Kind = AfterSalesRequest.Kind
Reason = AfterSalesRequest.Reason


def crayfish(price="88.00", **fields):
    """Live Qianjiang crayfish, 1 kg a box."""
    fields.setdefault("stock", 100)
    return ProductFactory(price=Decimal(price), net_weight_g=1000, **fields)


def with_freight(vendor):
    """`vendor` charges shipping to Hubei: ¥8 the first kg, ¥2 each further kg begun."""
    template = FreightTemplateFactory(vendor=vendor, is_default=True)
    FreightRateFactory(template=template)
    return template


def owner_of(vendor):
    """The shop's owner (made on first use)."""
    member = VendorMember.objects.filter(vendor=vendor).select_related("user").first()
    return member.user if member else VendorMemberFactory(vendor=vendor).user


def staff_member():
    return UserFactory(is_staff=True)


def placed(*items, payment_method="cod", shopper=None) -> Order:
    """A checked-out order (cash on delivery: confirmed at once)."""
    return checkout(*items, payment_method=payment_method, shopper=shopper)


def paid_online(*items, gateway="alipay") -> tuple[Order, Payment]:
    """(order, payment): checked out and paid at the sandbox gateway (needs sandbox_site)."""
    order = checkout(*items, payment_method=gateway)
    payment = start(order, gateway)
    pay_in_sandbox(payment)
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.state) == (Order.Status.CONFIRMED, Payment.State.PAID)
    return order, payment


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
    return lines_of(order)[0]


def lines_of(order: Order) -> list[OrderLine]:
    return list(OrderLine.objects.filter(part__order=order).select_related("part").order_by("pk"))


def fresh(line: OrderLine) -> OrderLine:
    return OrderLine.objects.select_related("part").get(pk=line.pk)


def stock_of(product) -> int:
    return Product.objects.get(pk=product.pk).stock


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


def cancel_line(line: OrderLine, quantity=None):
    """Before shipment: the shopper cancels `quantity` (all) of the line."""
    return report(
        line,
        kind=Kind.CANCEL_LINE,
        reason=Reason.NOT_NEEDED,
        quantity=quantity,
        photos=0,
        description="",
    )


def reload(request: AfterSalesRequest) -> AfterSalesRequest:
    return AfterSalesRequest.objects.get(pk=request.pk)


def timeline(request: AfterSalesRequest) -> list[tuple[str, str]]:
    """(state reached, by whom) of each step, oldest first, as the order page lists them."""
    return list(request.events.order_by("at", "pk").values_list("to_state", "actor"))


def told(user, kind) -> int:
    return Notification.objects.filter(recipient=user, kind=kind).count()


def board(day=None) -> dict:
    """The impact board's rows: {(day, dimension, key): (orders, units, grams, fen)}."""
    rows = DailySales.objects.all() if day is None else DailySales.objects.filter(day=day)
    return {
        (r.day, r.dimension, r.key): (r.orders, r.units, r.weight_g, r.revenue_fen)
        for r in rows
        if any((r.orders, r.units, r.weight_g, r.revenue_fen))
    }

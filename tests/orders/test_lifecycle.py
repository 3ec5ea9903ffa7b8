import re
import uuid

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalog.models import Product
from orders import services
from orders.models import Cart, Order, OrderPart
from orders.shipping.services import delivery
from tests.factories import AddressFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(django_user_model):
    """A bank-transfer order for two vendors' products, not yet paid."""
    shopper = django_user_model.objects.create_user("buyer")
    address = AddressFactory(user=shopper)
    cart = Cart.objects.create(user=shopper)
    services.add_to_cart(cart, ProductFactory(stock=5), 2)
    services.add_to_cart(cart, ProductFactory(stock=5), 1)
    return services.place_order(
        cart,
        shopper=shopper,
        address=address,
        payment_method=Order.PaymentMethod.BANK_TRANSFER,
        idempotency_key=uuid.uuid4().hex,
    )


def test_a_bank_transfer_order_waits_for_staff_before_shipping(order, admin_user):
    part = order.parts.first()

    with pytest.raises(ValidationError) as refused:
        services.ship_part(part, carrier="顺丰速运", tracking_number="SF1234567890", by=None)

    assert refused.value.messages == [
        "This order is not confirmed yet; wait for the payment before shipping."
    ]
    assert OrderPart.objects.get(pk=part.pk).status == OrderPart.Status.PENDING


def test_the_full_life_of_an_order(order, admin_user, staff_client):
    staff_client.post(
        reverse("admin:orders_order_changelist"),
        {"action": "confirm_bank_transfer", "_selected_action": [order.pk]},
    )
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED

    first, second = order.parts.order_by("pk")
    services.ship_part(first, carrier="顺丰速运", tracking_number="SF1234567890", by=admin_user)
    services.ship_part(second, carrier="中国邮政", tracking_number="EMS998877", by=admin_user)
    delivery.confirm_receipt(first, by=order.shopper)
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED  # one part still on its way
    delivery.confirm_receipt(second, by=order.shopper)

    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert list(order.events.filter(part=first).values_list("to_status", flat=True)) == [
        "shipped",
        "delivered",
    ]
    assert list(order.events.filter(part=None).values_list("to_status", flat=True)) == [
        "placed",
        "confirmed",
        "completed",
    ]


def test_the_shopper_sees_each_parts_tracking(order, client):
    services.confirm_payment(order, by=None)
    part = order.parts.first()
    services.ship_part(part, carrier="顺丰速运", tracking_number="SF1234567890", by=None)
    client.force_login(order.shopper)

    html = client.get(
        reverse("orders:detail", args=[order.number]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert "Shipped with 顺丰速运, tracking number SF1234567890." in html
    assert html.count("Awaiting shipment") == 1  # the other part, capitalised where it stands alone


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (
            lambda part: services.deliver_part(part, by=None),
            "A part that is awaiting shipment cannot be received.",
        ),
        (
            lambda part: services.ship_part(part, carrier="", tracking_number="", by=None),
            "Enter the carrier and the tracking number.",
        ),
    ],
)
def test_illegal_part_steps_are_refused_and_change_nothing(order, step, message):
    services.confirm_payment(order, by=None)
    part = order.parts.first()
    events = order.events.count()

    with pytest.raises(ValidationError) as refused:
        step(part)

    assert refused.value.messages == [message]
    assert OrderPart.objects.get(pk=part.pk).status == OrderPart.Status.PENDING
    assert order.events.count() == events


def test_shipping_twice_and_cancelling_after_shipment_are_refused(order):
    services.confirm_payment(order, by=None)
    part = order.parts.first()
    services.ship_part(part, carrier="顺丰速运", tracking_number="SF1", by=None)
    stock = list(Product.objects.order_by("pk").values_list("stock", flat=True))

    with pytest.raises(ValidationError) as twice:
        services.ship_part(part, carrier="顺丰速运", tracking_number="SF2", by=None)
    with pytest.raises(ValidationError) as cancel:
        services.cancel_order(order, by=order.shopper)

    assert twice.value.messages == ["A part that is shipped cannot be shipped."]
    assert cancel.value.messages == [
        "Part of this order has shipped; it can no longer be cancelled."
    ]
    assert list(Product.objects.order_by("pk").values_list("stock", flat=True)) == stock
    assert OrderPart.objects.get(pk=part.pk).tracking_number == "SF1"


def test_the_shopper_cancels_from_the_order_page_and_stock_returns(order, client):
    stock = list(Product.objects.order_by("pk").values_list("stock", flat=True))
    client.force_login(order.shopper)
    url = reverse("orders:detail", args=[order.number])
    assert "Cancel this order" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    response = client.post(
        reverse("orders:cancel", args=[order.number]),
        {"confirm": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )

    assert "Your order is cancelled." in response.content.decode()
    assert "Cancel this order" not in response.content.decode()
    assert list(Product.objects.order_by("pk").values_list("stock", flat=True)) == [
        s + q for s, q in zip(stock, [2, 1], strict=True)
    ]


def test_nobody_else_can_cancel_an_order(order, client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nosy"))

    response = client.post(reverse("orders:cancel", args=[order.number]), {"confirm": "on"})

    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED


@pytest.mark.parametrize(
    ("language", "ask", "yes"),
    [
        ("en", "Cancel order {}?", "Yes, cancel the order"),
        ("zh-hans", "确定取消订单 {}？", "确定取消订单"),
    ],
)
def test_cancelling_asks_first_on_a_page_of_its_own(order, client, language, ask, yes):
    client.force_login(order.shopper)
    cancel = reverse("orders:cancel", args=[order.number])
    page = client.get(
        reverse("orders:detail", args=[order.number]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert f'<a href="{cancel}"' in page  # a link to the question, not a form that cancels

    question = client.get(cancel, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert f"<h1>{ask.format(order.number)}</h1>" in question
    assert f">{yes}</button>" in question
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED


def test_a_cancel_without_the_shoppers_yes_changes_nothing(order, client):
    stock = list(Product.objects.order_by("pk").values_list("stock", flat=True))
    client.force_login(order.shopper)

    response = client.post(reverse("orders:cancel", args=[order.number]), HTTP_ACCEPT_LANGUAGE="en")

    assert "Yes, cancel the order" in response.content.decode()  # asked again
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert list(Product.objects.order_by("pk").values_list("stock", flat=True)) == stock


@pytest.mark.parametrize(("language", "label"), [("en", "Cancelled"), ("zh-hans", "已取消")])
def test_a_cancelled_order_is_not_badged_green(order, client, language, label):
    client.force_login(order.shopper)
    client.post(reverse("orders:cancel", args=[order.number]), {"confirm": "on"})

    for url in (reverse("orders:detail", args=[order.number]), reverse("orders:history")):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert f'<span class="badge badge-cancelled">{label}</span>' in page
        assert f'<span class="badge">{label}</span>' not in page
    css = (settings.BASE_DIR / "static" / "css" / "site.css").read_text()
    rule = re.search(r"\.badge-cancelled \{([^}]*)\}", css)[1]
    assert "green" not in rule and "#ebfbee" not in rule

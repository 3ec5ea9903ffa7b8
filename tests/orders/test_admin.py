import uuid

import pytest
from django.urls import reverse

from orders import services
from orders.models import Cart, Order
from tests.factories import AddressFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_staff_find_an_order_by_number_or_mobile(staff_client, django_user_model):
    buyer = django_user_model.objects.create_user("buyer")
    address = AddressFactory(
        user=buyer,
        recipient="王五",
        mobile="13687654321",
        city="荆州市",
        district="监利市",
        street="容城镇",
    )
    cart = Cart.objects.create(user=buyer)
    services.add_to_cart(cart, ProductFactory(stock=3), 1)
    order = services.place_order(
        cart,
        shopper=buyer,
        address=address,
        payment_method=Order.PaymentMethod.BANK_TRANSFER,
        idempotency_key=uuid.uuid4().hex,
    )
    url = reverse("admin:orders_order_changelist")

    by_number = staff_client.get(url, {"q": order.number}).content.decode()
    by_mobile = staff_client.get(url, {"q": "13687654321"}).content.decode()
    detail = staff_client.get(reverse("admin:orders_order_change", args=[order.pk]))

    assert order.number in by_number
    assert order.number in by_mobile
    assert detail.status_code == 200
    assert "awaiting shipment" in detail.content.decode()

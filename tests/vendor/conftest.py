import uuid

import pytest

from orders import services as order_services
from orders.models import Cart
from tests.factories import AddressFactory, ProductFactory, make_shop


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def shop(django_user_model, client):
    """A signed-in owner of an approved shop: (client, owner, vendor)."""
    owner, vendor = make_shop(django_user_model)
    client.force_login(owner)
    return client, owner, vendor


@pytest.fixture
def other_shop(django_user_model):
    return make_shop(django_user_model, name="qianjiang")


def buy(user_model, *products, payment="cod", quantity=2):
    """A shopper's order of `quantity` of each product; returns the order."""
    shopper = user_model.objects.create_user(
        f"shopper-{uuid.uuid4().hex[:6]}", email="shopper@example.cn"
    )
    address = AddressFactory(
        user=shopper, recipient="王五", district="洪山区", street="珞喻路 1 号"
    )
    cart = Cart.objects.create(user=shopper)
    for product in products:
        order_services.add_to_cart(cart, product, quantity)
    return order_services.place_order(
        cart,
        shopper=shopper,
        address=address,
        payment_method=payment,
        idempotency_key=uuid.uuid4().hex,
    )


@pytest.fixture
def product_of(db):
    def make(vendor, **kwargs):
        return ProductFactory(vendor=vendor, **kwargs)

    return make

"""Lines bought before order lines kept an English name get their product's, so English
readers of old orders see English names (orders migration 0019)."""

import importlib
import uuid

import pytest
from django.apps import apps
from django.db import connection

from orders import services
from orders.models import Cart, OrderLine
from tests.factories import AddressFactory, ProductFactory, VendorFactory

pytestmark = pytest.mark.django_db
backfill = importlib.import_module("orders.migrations.0019_backfill_english_line_names")


def test_old_lines_get_the_english_name_of_their_product_batch_by_batch(django_user_model):
    shopper = django_user_model.objects.create_user("tom")
    vendor = VendorFactory()
    products = [
        ProductFactory(vendor=vendor, name=f"脐橙{n}", name_en=f"Oranges {n}", stock=5)
        for n in range(5)
    ]
    no_english = ProductFactory(vendor=vendor, name="莲藕", name_en="", stock=5)
    cart, _created = Cart.objects.get_or_create(user=shopper)
    for product in [*products, no_english]:
        services.add_to_cart(cart, product, 1)
    address = AddressFactory(user=shopper, recipient="Tom")
    services.place_order(
        cart,
        shopper=shopper,
        address=address,
        payment_method="cod",
        idempotency_key=uuid.uuid4().hex,
    )
    OrderLine.objects.update(product_name_en="")  # as lines bought before 0018 are

    backfill.copy_english_names(apps, connection.schema_editor(), batch_size=2)

    names = dict(OrderLine.objects.values_list("product__name", "product_name_en"))
    assert names == {**{f"脐橙{n}": f"Oranges {n}" for n in range(5)}, "莲藕": ""}
    assert backfill.Migration.atomic is False

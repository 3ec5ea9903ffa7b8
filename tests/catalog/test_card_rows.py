"""The card's one-statement read (catalog/card_rows.py) gives what the ORM would."""

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation

from catalog import services
from catalog.card_rows import card_products
from catalog.models import Product
from tests.factories import ProductFactory, image_bytes, upload

pytestmark = pytest.mark.django_db


def test_a_card_row_is_the_product_its_shop_county_and_first_photo(settings):
    product = ProductFactory(price=Decimal("39.90"), ships_free=None)
    first = services.add_product_photo(product, upload("first.jpg", image_bytes()))
    second = services.add_product_photo(product, upload("second.jpg", image_bytes()))
    first.position, second.position = 2, 1  # the shop put the second one first
    first.save(update_fields=["position"])
    second.save(update_fields=["position"])
    bare = ProductFactory(vendor=product.vendor)

    rows = {row.pk: row for row in card_products([product.pk, bare.pk, product.pk, 10**9])}

    assert set(rows) == {product.pk, bare.pk}
    row = rows[product.pk]
    assert row.price == Decimal("39.90") and isinstance(row.price, Decimal)
    assert row.ships_free is None
    assert row.shows_free_shipping is product.vendor.ships_free
    assert row.vendor.display_name == product.vendor.display_name
    assert row.origin_county.name_zh == product.origin_county.name_zh
    assert row.main_image.thumbnail.name == second.thumbnail.name
    assert rows[bare.pk].main_image is None
    # A card's product is saved like any other: what it read is what it compares with.
    assert not row.changes_listings(["stock"])


def test_the_cards_on_a_listing_show_the_first_photo_and_a_blank_without(settings):
    product = ProductFactory(name="秭归脐橙 5kg")
    services.add_product_photo(product, upload("orange.jpg", image_bytes()))
    ProductFactory(name="恩施玉露 250g")

    with translation.override("zh-hans"):
        html = Client().get("/products/").content.decode()

    card = html[html.index(f"<!--card:{product.pk}-->") :]
    assert product.images.get().thumbnail.url in card[: card.index("<!--/card:")]
    assert html.count('class="no-photo"') == 1
    assert Product.objects.count() == 2

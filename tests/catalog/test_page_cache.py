"""Cached catalog pages never show a stale price, stock or visibility."""

from decimal import Decimal

import pytest
from django.utils import timezone

from catalog import services
from catalog.models import Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_a_price_change_shows_at_once_on_cached_pages(client):
    product = ProductFactory(price=Decimal("59.90"))
    for url in ["/", "/products/", product.get_absolute_url()]:
        assert "¥59.90" in client.get(url).content.decode()

    product.price = Decimal("49.90")
    services.save_product(product)

    for url in ["/", "/products/", product.get_absolute_url()]:
        html = client.get(url).content.decode()
        assert "¥49.90" in html, url
        assert "¥59.90" not in html, url


def test_stock_taken_with_an_update_shows_at_once(english):
    product = ProductFactory(stock=1)
    assert "Sold out" not in english.get("/products/").content.decode()

    # how checkout takes stock: a conditional update that also moves updated_at
    taken = Product.objects.filter(pk=product.pk, stock__gte=1).update(
        stock=0, updated_at=timezone.now()
    )

    assert taken == 1
    assert "Sold out" in english.get("/products/").content.decode()
    assert "Sold out" in english.get(product.get_absolute_url()).content.decode()


def test_cached_pages_follow_the_language(client):
    ProductFactory(name="秭归脐橙", name_en="Zigui navel oranges")

    chinese = client.get("/products/").content.decode()
    english = client.get("/products/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "秭归脐橙" in chinese and "Zigui navel oranges" not in chinese
    assert "Zigui navel oranges" in english

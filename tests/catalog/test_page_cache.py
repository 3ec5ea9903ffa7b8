"""Cached catalog pages never show a stale price, stock or visibility."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from catalog import services
from catalog.models import Product
from catalog.page_cache import CSRF_PLACEHOLDER, bump_catalog_revision
from tests.factories import KeywordLandingFactory, ProductFactory, add_photo

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

    # how checkout takes stock: a conditional update, then the revision moves
    taken = Product.objects.filter(pk=product.pk, stock__gte=1).update(
        stock=0, updated_at=timezone.now()
    )
    bump_catalog_revision()

    assert taken == 1
    assert "Sold out" in english.get("/products/").content.decode()
    assert "Sold out" in english.get(product.get_absolute_url()).content.decode()


def test_cached_pages_follow_the_language(client):
    ProductFactory(name="秭归脐橙", name_en="Zigui navel oranges")

    chinese = client.get("/products/").content.decode()
    english = client.get("/products/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "秭归脐橙" in chinese and "Zigui navel oranges" not in chinese
    assert "Zigui navel oranges" in english


def test_each_shopper_gets_their_own_csrf_token_from_a_cached_page(client):
    ProductFactory()
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)

    tokens = []
    for shopper in (first, second):
        html = shopper.get("/products/").content.decode()
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1])

    assert tokens[0] != tokens[1]
    assert CSRF_PLACEHOLDER not in tokens[0]
    # the token from the cached page works for the language switch
    switched = second.post(
        "/i18n/setlang/", {"language": "en", "next": "/products/", "csrfmiddlewaretoken": tokens[1]}
    )
    assert (switched.status_code, switched["Location"]) == (302, "/products/")


def test_signed_in_users_bypass_the_page_cache(staff_client):
    client = Client()  # a shopper who is not signed in
    product = ProductFactory(name="旧名字", name_en="")
    assert "旧名字" in client.get("/products/").content.decode()
    # a write that (wrongly) skips bump_catalog_revision: anonymous pages stay cached
    Product.objects.filter(pk=product.pk).update(name="新名字")

    assert "旧名字" in client.get("/products/").content.decode()
    assert "新名字" in staff_client.get("/products/").content.decode()


def test_adding_a_photo_or_a_landing_shows_at_once(client):
    product = ProductFactory()
    client.get(product.get_absolute_url())
    client.get("/")

    add_photo(product)
    KeywordLandingFactory(keyword="潜江龙虾")

    assert "/media/products/" in client.get(product.get_absolute_url()).content.decode()
    assert "潜江龙虾" in client.get("/").content.decode()

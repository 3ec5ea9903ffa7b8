import pytest
from django.urls import reverse

from catalog import services
from catalog.models import Product, Vendor
from tests.factories import ProductFactory, VendorFactory

pytestmark = pytest.mark.django_db


def test_published_product_of_approved_vendor_is_shown(client):
    product = ProductFactory(name="秭归脐橙 5kg")

    detail = client.get(product.get_absolute_url())
    listing = client.get(reverse("catalog:product_list"))

    assert detail.status_code == 200
    assert "秭归脐橙 5kg" in detail.content.decode()
    assert product.get_absolute_url() in listing.content.decode()


@pytest.mark.parametrize("status", [Product.Status.DRAFT, Product.Status.ARCHIVED])
def test_unpublished_product_is_404_and_not_listed(client, status):
    product = ProductFactory(status=status)

    assert client.get(product.get_absolute_url()).status_code == 404
    listing = client.get(reverse("catalog:product_list")).content.decode()
    assert product.get_absolute_url() not in listing


@pytest.mark.parametrize(
    "vendor_status", [Vendor.Status.PENDING, Vendor.Status.SUSPENDED, Vendor.Status.REJECTED]
)
def test_products_of_a_vendor_not_approved_are_hidden_everywhere(client, vendor_status):
    vendor = VendorFactory(status=vendor_status)
    product = ProductFactory(vendor=vendor, name="隐藏的橙子")

    assert client.get(product.get_absolute_url()).status_code == 404
    assert client.get(vendor.get_absolute_url()).status_code == 404
    assert client.get(product.origin_county.get_absolute_url()).status_code == 200
    for url in [
        reverse("catalog:product_list"),
        product.origin_county.get_absolute_url(),
        product.category.get_absolute_url(),
        reverse("catalog:search") + "?q=隐藏",
        reverse("catalog:home"),
    ]:
        assert "隐藏的橙子" not in client.get(url).content.decode(), url


def test_suspending_a_vendor_hides_its_products_at_once(client):
    product = ProductFactory()
    assert client.get(product.get_absolute_url()).status_code == 200
    assert (
        product.get_absolute_url() in client.get(reverse("catalog:product_list")).content.decode()
    )

    services.suspend_vendor(product.vendor)

    assert client.get(product.get_absolute_url()).status_code == 404
    listing = client.get(reverse("catalog:product_list")).content.decode()
    assert product.get_absolute_url() not in listing


def test_description_is_escaped_plain_text(client):
    product = ProductFactory(description='<script>alert("x")</script>\nsecond line')

    html = client.get(product.get_absolute_url()).content.decode()

    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>second line" in html


def test_a_hidden_product_gets_a_friendly_page_in_the_shoppers_language(english, settings):
    settings.DEBUG = False
    product = ProductFactory(status=Product.Status.DRAFT)

    response = english.get(product.get_absolute_url())

    assert response.status_code == 404
    assert "This page is not here" in response.content.decode()
    assert "Back to the zone home" in response.content.decode()

"""Every response tells the browser its Content-Security-Policy and Permissions-Policy:
cached catalog pages (a miss and a hit), htmx fragments, signed-in and vendor pages,
refusals, redirects, errors and the admin."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalog.models import County
from tests.factories import LiveStreamFactory, ProductFactory, VendorMemberFactory

pytestmark = pytest.mark.django_db

SITE_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "media-src": ["'self'", "https:"],
    "frame-src": ["'self'", "https:"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
ADMIN_POLICY = {**SITE_POLICY, "style-src": ["'self'", "'unsafe-inline'"]}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)


def policy(response):
    """The response's Content-Security-Policy as {directive: sources}."""
    directives = (part.split() for part in response["Content-Security-Policy"].split(";"))
    return {name: sources for name, *sources in directives}


def assert_headers(response, expected=SITE_POLICY):
    assert policy(response) == expected
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    assert "Content-Security-Policy-Report-Only" not in response


@pytest.fixture
def product(db):
    return ProductFactory()


def test_a_cached_catalog_page_has_the_headers_when_stored_and_when_served(
    client, product, django_assert_num_queries
):
    for url in ["/", "/products/", product.get_absolute_url(), "/promotions/"]:
        stored = client.get(url)
        with django_assert_num_queries(0):  # from the page cache
            served = client.get(url)

        assert (stored.status_code, served.status_code) == (200, 200), url
        assert_headers(stored)
        assert_headers(served)
        # One page for everyone: no per-request nonce in what the cache keeps.
        assert b"nonce" not in served.content, url


def test_htmx_fragments_have_the_headers(client, product):
    listing = client.get("/products/?sort=price", HTTP_HX_REQUEST="true")
    cart = client.get(reverse("orders:cart_summary"), HTTP_HX_REQUEST="true")

    assert (listing.status_code, cart.status_code) == (200, 200)
    assert_headers(listing)
    assert_headers(cart)


def test_stream_pages_and_their_counters_have_the_headers(client):
    now = timezone.now()
    stream = LiveStreamFactory(
        title="直播",
        slug="live-one",
        host_name="县长",
        host_title="县长",
        county=County.objects.first() or County.objects.create(name_zh="县", name_en="County"),
        scheduled_start=now - timedelta(hours=1),
        scheduled_end=now + timedelta(hours=1),
        stream_url="https://live.example.cn/embed/1",
    )

    page = client.get(stream.get_absolute_url())
    counters = client.get(reverse("livestream:counters", args=[stream.slug]))

    assert (page.status_code, counters.status_code) == (200, 200)
    assert_headers(page)
    assert_headers(counters)


def test_signed_in_and_vendor_pages_have_the_headers(client, django_user_model, product):
    member = django_user_model.objects.create_user("owner")
    VendorMemberFactory(vendor=product.vendor, user=member)
    client.force_login(member)

    for url in ["/", "/impact/", "/orders/", "/cart/", "/vendor/", "/vendor/products/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_headers(response)


def test_refusals_redirects_and_errors_have_the_headers(product):
    client = Client(enforce_csrf_checks=True)

    assert_headers(client.get("/orders/"))  # a redirect to sign in
    assert client.get("/no-such-page/").status_code == 404
    assert_headers(client.get("/no-such-page/"))
    refused = client.post(reverse("orders:cart_add", args=[product.pk]), {"quantity": 1})
    assert refused.status_code == 403
    assert_headers(refused)


def test_the_admin_allows_inline_styles_and_still_no_inline_script(staff_client):
    for url in [
        "/admin/",
        "/admin/catalog/promotion/",
        "/admin/catalog/promotion/calendar/",
        "/admin/orders/order/",
    ]:
        response = staff_client.get(url)
        assert response.status_code == 200, url
        assert_headers(response, ADMIN_POLICY)


def test_the_error_page_has_no_inline_style(client):
    from django.template import loader

    html = loader.get_template("500.html").render()

    assert "<style" not in html and "style=" not in html
    assert 'href="/static/css/error.css"' in html

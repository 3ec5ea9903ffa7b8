"""A write to one product makes stale only the cached pages that show it (catalog/
revision.py), and what it changes still shows at once on every page that shows it.

The zone here: the co-operative sells oranges, pomelos and kumquats from Zigui; a tea
shop sells one tea from Enshi. Every page is read twice first (cached), then one product
changes through the services, and each page says how it was answered (X-Page-Cache)
and how many product cards it rendered anew.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog import services
from catalog.models import Product
from tests.factories import (
    CategoryFactory,
    CountyFactory,
    ProductFactory,
    VendorFactory,
    running_promotion,
)

pytestmark = pytest.mark.django_db
CARD = "catalog/partials/product_card.html"


@pytest.fixture
def zone():
    citrus, tea = CategoryFactory(slug="citrus-n"), CategoryFactory(slug="tea-n")
    zigui, enshi = CountyFactory(slug="zigui-n"), CountyFactory(slug="enshi-n")
    coop, tea_shop = VendorFactory(slug="coop-n"), VendorFactory(slug="tea-shop-n")
    made = {}
    for slug, name in [
        ("navel-n", "秭归脐橙"),
        ("pomelo-n", "秭归柚子"),
        ("kumquat-n", "秭归金桔"),
    ]:
        made[slug] = ProductFactory(
            slug=slug, name=name, vendor=coop, category=citrus, origin_county=zigui, stock=40
        )
    made["tea-n"] = ProductFactory(
        slug="tea-n", name="恩施玉露", vendor=tea_shop, category=tea, origin_county=enshi, stock=40
    )
    return made


SHOWING_THE_ORANGES = [
    "/",
    "/products/",
    "/products/?sort=price",
    "/categories/citrus-n/",
    "/counties/zigui-n/",
    "/vendors/coop-n/",
    "/search/?q=秭归",
    "/products/navel-n/",
    "/products/pomelo-n/",  # "more from this shop"
]
NOT_SHOWING_THEM = [
    "/categories/tea-n/",
    "/counties/enshi-n/",
    "/vendors/tea-shop-n/",
    "/search/?q=恩施",
]
TEA_PAGE = "/products/tea-n/"


@pytest.fixture
def shopper():
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")

    def read(url):
        response = client.get(url)
        cards = sum(1 for template in response.templates if template.name == CARD)
        answered = response.get("X-Page-Cache")
        return response.status_code, answered, cards, response.content.decode()

    return read


def warm(shopper):
    for url in [*SHOWING_THE_ORANGES, *NOT_SHOWING_THEM, TEA_PAGE]:
        shopper(url)
        assert shopper(url)[1] == "hit", url


def test_stock_moved_above_zero_renders_only_the_pages_and_the_card_showing_it(zone, shopper):
    warm(shopper)

    services.adjust_stock(zone["navel-n"], -35)  # 5 left: "only 5 left"

    rendered = 0
    for url in SHOWING_THE_ORANGES:
        status, answered, cards, _html = shopper(url)
        # Its own page renders; the others only have its card replaced.
        expected = "render" if url == "/products/navel-n/" else "cards"
        assert (status, answered) == (200, expected), url
        rendered += cards
    assert rendered == 1  # its card, once: every page after takes it from the cache
    for url in [*NOT_SHOWING_THEM, TEA_PAGE]:
        assert shopper(url)[1] == "hit", url
    assert "仅剩 5 件" in shopper("/products/navel-n/")[3]
    for url in SHOWING_THE_ORANGES:  # brought up to date: stored again
        assert shopper(url)[1] == "hit", url


def test_a_card_change_shows_on_every_page_with_only_that_card_rendered(zone, shopper):
    warm(shopper)
    navel = Product.objects.get(slug="navel-n")
    navel.units_sold = 1234
    before = {url: shopper(url)[3].count("已售 1,000+") for url in SHOWING_THE_ORANGES}

    navel.save(update_fields=["units_sold"])  # as the nightly recount does

    rendered = 0
    for url in SHOWING_THE_ORANGES:
        status, answered, cards, html = shopper(url)
        assert status == 200, url
        assert answered == ("render" if url == "/products/navel-n/" else "cards"), url
        rendered += cards
        if url != "/products/navel-n/":  # its page says it apart from the card
            assert html.count("已售 1,000+") == before[url] + 1, url
    assert rendered == 1
    assert shopper("/categories/tea-n/")[1] == "hit"


def test_a_new_price_shows_at_once_everywhere_and_rerenders_no_other_card(zone, shopper):
    warm(shopper)
    navel = Product.objects.get(slug="navel-n")

    navel.price = navel.price + 7
    services.save_product(navel, update_fields=["price"])

    price = f"¥{navel.price}"
    rendered = 0
    for url in SHOWING_THE_ORANGES:
        status, answered, cards, html = shopper(url)
        # Its own page and the listing sorted by price render again; every other page
        # only has its card replaced.
        again = url in ("/products/navel-n/", "/products/?sort=price")
        assert (status, answered) == (200, "render" if again else "cards"), url
        assert price in html, url
        rendered += cards
    assert rendered == 1  # its card, once
    # Pages not showing it, sorted by anything but price, are as they were.
    for url in [*NOT_SHOWING_THEM, TEA_PAGE]:
        assert shopper(url)[1] == "hit", url


def test_a_new_price_reorders_the_listings_sorted_by_price_and_refilters_by_price(zone, shopper):
    cheapest_first = "/products/?sort=price"
    dearest_first = "/search/?q=秭归&sort=-price"
    under_twenty = "/products/?max_price=20"
    first = lambda url: shopper(url)[3].split('class="card-title">')[1].split("<")[0]  # noqa: E731
    navel = Product.objects.get(slug="navel-n")
    navel.price = Decimal("9.00")
    services.save_product(navel, update_fields=["price"])
    warm(shopper)
    for url in (dearest_first, under_twenty, "/products/?sort=name"):
        shopper(url)
    assert first(cheapest_first) == "秭归脐橙"
    assert "秭归脐橙" in shopper(under_twenty)[3]

    navel.price = Decimal("25.00")
    services.save_product(navel, update_fields=["price"])

    assert first(cheapest_first) != "秭归脐橙"
    assert first(dearest_first) == "秭归脐橙"
    status, answered, _cards, html = shopper(under_twenty)
    assert (status, answered) == (200, "render")
    assert "秭归脐橙" not in html
    assert shopper("/products/?sort=name")[1] == "cards"  # its card only


def test_a_new_price_in_a_running_promotion_stales_only_the_pages_showing_it(zone, shopper):
    navel = Product.objects.get(slug="navel-n")
    running_promotion(navel, kind="percent_off", value="20")
    warm(shopper)

    navel.price = Decimal("50.00")  # ¥40.00 on the card
    services.save_product(navel, update_fields=["price"])

    for url in SHOWING_THE_ORANGES:
        status, _answered, _cards, html = shopper(url)
        assert status == 200 and "¥40.00" in html, url
    assert shopper(TEA_PAGE)[1] == "hit"  # no longer every page of the store


def test_a_hidden_product_leaves_every_page_at_once(zone, shopper):
    warm(shopper)

    services.set_product_status(Product.objects.get(slug="kumquat-n"), Product.Status.DRAFT)

    for url in SHOWING_THE_ORANGES:
        status, _answered, _cards, html = shopper(url)
        assert status == 200, url
        assert "秭归金桔" not in html, url
    assert shopper("/products/kumquat-n/")[0] == 404
    assert shopper(TEA_PAGE)[1] == "hit"


def test_sold_out_moves_it_last_on_every_listing_and_back_on_sale_moves_it_back(zone, shopper):
    warm(shopper)
    first = lambda url: shopper(url)[3].split('class="card-title">')[1].split("<")[0]  # noqa: E731
    newest = first("/products/")  # the newest, 秭归金桔, is first

    services.adjust_stock(Product.objects.get(name=newest), -40)

    assert first("/products/") != newest
    assert "已售罄" in shopper(f"/products/{Product.objects.get(name=newest).slug}/")[3]
    services.adjust_stock(Product.objects.get(name=newest), 3)
    assert first("/products/") == newest


def test_a_listing_rendered_after_a_price_change_does_not_count_its_facets_again(zone, shopper):
    warm(shopper)
    navel = Product.objects.get(slug="navel-n")
    navel.price = navel.price + 1
    services.save_product(navel, update_fields=["price"])

    with CaptureQueriesContext(connection) as queries:
        status, answered, cards, html = shopper("/products/?sort=price")

    assert (status, answered, cards) == (200, "render", 1)
    assert f"¥{navel.price}" in html
    assert not [q["sql"] for q in queries.captured_queries if "GROUP BY" in q["sql"]]
    assert "秭归" in html.split('class="facets')[1]  # the counts, as they were


def test_a_product_moved_to_another_shop_leaves_the_old_shops_more_from_this_shop(zone, shopper):
    warm(shopper)
    navel = Product.objects.get(slug="navel-n")
    navel.vendor = Product.objects.get(slug="tea-n").vendor
    services.save_product(navel, update_fields=["vendor"])

    _status, answered, _cards, html = shopper("/products/pomelo-n/")  # more from the co-op

    assert answered == "render"
    assert "秭归脐橙" not in html
    assert "秭归脐橙" in shopper(TEA_PAGE)[3]  # more from the tea shop, now

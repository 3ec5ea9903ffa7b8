"""Every shopper page runs the same number of SQL queries whatever the data size.

Counts are pinned for a cold cache (the worst case); a warm page runs none.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from catalog.models import KeywordLanding, Product, Promotion
from catalog.promotions.shown_prices import refresh_shown_prices
from tests.factories import (
    CategoryFactory,
    CountyFactory,
    KeywordLandingFactory,
    ProductFactory,
    VendorFactory,
    add_photo,
)
from tests.support.search import RANKED_MATCHES

pytestmark = pytest.mark.django_db


def build_zone(size):
    category = CategoryFactory(slug="citrus-q", name_zh="脐橙柑橘", name_en="Citrus")
    county = CountyFactory(slug="zigui-q")
    vendors = VendorFactory.create_batch(3)
    for i in range(size):
        product = ProductFactory(
            slug=f"p-{i}",
            name=f"秭归脐橙 {i}",
            vendor=vendors[i % 3],
            category=category,
            origin_county=county if i % 2 else CountyFactory(),
            is_featured=i % 3 == 0,
        )
        if i < 6:
            add_photo(product)
            add_photo(product)
    KeywordLandingFactory(keyword="湖北", target=KeywordLanding.Target.ZONE)
    KeywordLandingFactory(
        keyword="助农", target=KeywordLanding.Target.URL, url="/products/?in_stock=on&sort=price"
    )
    KeywordLandingFactory(
        keyword="脐橙节", target=KeywordLanding.Target.URL, url="/categories/citrus-q/?in_stock=on"
    )
    # Promotions running now, so every price on the page goes through them.
    now = timezone.now()
    for i, kind in enumerate(["percent_off", "amount_off", "special_price"]):
        promotion = Promotion.objects.create(
            name=f"促销{i}",
            slug=f"promo-{i}",
            kind=kind,
            value=Decimal("5"),
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=1),
        )
        promotion.categories.add(category)
        promotion.products.add(*Product.objects.order_by("pk")[: size // 3])
        promotion.vendors.add(vendors[i])
    refresh_shown_prices()
    return vendors[0]


PAGES = [
    # (url, cold queries): a page that shows prices builds the promotion schedule cold
    # (the promotions, and their scopes in one UNION: 2 queries), however many products it
    # prices. A listing counts its facets (catalog/facets.py: category, county, price
    # band; those its path fixes left out): the ones not chosen in one grouped query, and
    # one more query for each chosen (the fully filtered listing below: 3, and its shop's
    # name for the title). Cards are cold too: a listing reads its page's ids, then the
    # products whose cards are not cached (1 query, with their first photos; the home:
    # twice, a shelf each).
    ("/", 9),
    ("/products/", 9),
    (
        "/products/?category=citrus-q&county=zigui-q&vendor={vendor}&min_price=1&max_price=99"
        "&in_stock=on&sort=price",
        12,
    ),
    ("/products/?page=2", 9),
    # Sorted and filtered by the price on the card, sold-out products last.
    ("/products/?sort=-price&min_price=3&max_price=9", 10),
    # A search reads staff's synonyms once per catalog revision (here: each time).
    ("/search/?q=脐橙&sort=price", 11),  # a sort keeps the keyword landing lookup
    ("/promotions/promo-0/?sort=-price", 10),
    ("/search/?q=脐橙", 11 + RANKED_MATCHES),  # best match: its ranked matches first
    ("/search/?q=湖北", 10),  # a keyword landing: the landing, then its products like /products/
    ("/search/?q=助农", 10),  # a landing to a URL of /products/ with filters: the same
    ("/search/?q=脐橙节", 11),  # a landing to a URL of a category page: and the category
    ("/products/?page=abc", 9),  # not a page number: page 1
    # A product page looks for a coming sale cheaper than the price now (1 query), in a
    # sale or not: a better sale coming is announced beside the running one; and it prices
    # the product at the running sale's end (the schedule of that slot: 2), for the state
    # the page shows then (another sale's price, or the list price). It reads its
    # product's id before its row (catalog/revision.py), and its shop's other products'
    # cards like a listing.
    ("/products/p-1/", 10),
    ("/categories/citrus-q/", 10),
    ("/counties/zigui-q/", 10),
    ("/vendors/{vendor}/", 10),
]


@pytest.mark.parametrize("size", [30, 90])
@pytest.mark.parametrize(("url", "cold"), PAGES)
def test_pages_run_a_fixed_number_of_queries(client, django_assert_num_queries, size, url, cold):
    vendor = build_zone(size)
    url = url.format(vendor=vendor.slug)
    cache.clear()

    with django_assert_num_queries(cold):
        assert client.get(url).status_code in (200, 302)


@pytest.mark.parametrize("url", [url for url, _ in PAGES])
def test_a_warm_page_runs_no_query(client, django_assert_num_queries, url):
    vendor = build_zone(30)
    url = url.format(vendor=vendor.slug)
    client.get(url)

    with django_assert_num_queries(0):
        assert client.get(url).status_code in (200, 302)

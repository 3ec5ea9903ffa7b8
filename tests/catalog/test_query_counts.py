"""Every shopper page runs the same number of SQL queries whatever the data size.

Counts are for a cold cache (the worst case, pinned exactly) and a warm one.
"""

import pytest
from django.core.cache import cache

from catalog.models import KeywordLanding
from tests.factories import (
    CategoryFactory,
    CountyFactory,
    KeywordLandingFactory,
    ProductFactory,
    VendorFactory,
    add_photo,
)

pytestmark = pytest.mark.django_db


def build_zone(size):
    category = CategoryFactory(slug="citrus-q", name_zh="脐橙柑橘", name_en="Citrus")
    county = CountyFactory(slug="zigui-q")
    vendors = VendorFactory.create_batch(3)
    for i in range(size):
        product = ProductFactory(
            slug=f"p-{i}", name=f"秭归脐橙 {i}", vendor=vendors[i % 3], category=category,
            origin_county=county if i % 2 else CountyFactory(), is_featured=i % 3 == 0,
        )
        if i < 6:
            add_photo(product)
            add_photo(product)
    KeywordLandingFactory(keyword="湖北", target=KeywordLanding.Target.ZONE)
    return vendors[0]


PAGES = [
    # (url, cold queries)
    ("/", 8),
    ("/products/", 7),
    ("/products/?category=citrus-q&county=zigui-q&vendor={vendor}&min_price=1&max_price=99"
     "&in_stock=on&sort=price", 7),
    ("/products/?page=2", 7),
    ("/search/?q=脐橙", 8),
    ("/search/?q=湖北", 1),
    ("/products/p-1/", 5),
    ("/categories/citrus-q/", 8),
    ("/counties/zigui-q/", 8),
    ("/vendors/{vendor}/", 8),
]


@pytest.mark.parametrize("size", [30, 90])
@pytest.mark.parametrize(("url", "cold"), PAGES)
def test_pages_run_a_fixed_number_of_queries(client, django_assert_num_queries, size, url, cold):
    vendor = build_zone(size)
    url = url.format(vendor=vendor.slug)
    cache.clear()

    with django_assert_num_queries(cold):
        assert client.get(url).status_code in (200, 302)


@pytest.mark.parametrize(("url", "warm"), [
    ("/", 1), ("/products/", 1), ("/search/?q=脐橙", 2), ("/products/p-1/", 1),
    ("/categories/citrus-q/", 2), ("/counties/zigui-q/", 2), ("/vendors/{vendor}/", 2),
])
def test_a_warm_page_costs_one_revision_query(client, django_assert_num_queries, url, warm):
    vendor = build_zone(30)
    url = url.format(vendor=vendor.slug)
    client.get(url)

    # the catalog revision, plus the landing or scope lookup where the page has one
    with django_assert_num_queries(warm):
        assert client.get(url).status_code == 200

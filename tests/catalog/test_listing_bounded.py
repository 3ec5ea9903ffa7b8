"""A listing of a catalog larger than it counts: no COUNT over every product, "more than"
in the count, the pages stop at the bound, and the sorts still order what is shown.
LISTING_MAX_COUNTED is 10,000 by default, 30 here (24 a page)."""

import re
from decimal import Decimal

import pytest

from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def large(settings):
    settings.LISTING_MAX_COUNTED = 30
    return [ProductFactory(price=Decimal(10 + n)) for n in range(40)]


def listing(client, **params):
    response = client.get("/products/", params)
    assert response.status_code == 200
    body = response.content.decode()
    count = re.search(r'class="result-count">([^<]*)<', body).group(1).strip()
    prices = re.findall(r"¥(\d+)\.00", body)
    return count, body, prices


def test_a_listing_past_its_bound_says_more_than_and_stops_its_pages(english, large):
    count, body, _ = listing(english)

    assert count == (
        "More than 30 products. Choose a category, a county or a price range to narrow them."
    )
    assert "Page 1 of 2" in body
    _, last, _ = listing(english, page=9)  # a link kept from a larger catalog: the last page
    assert "Page 2 of 2" in last
    assert len(re.findall(r'class="card-link"', last)) == 6


def test_the_bound_is_said_in_chinese(client, settings):
    settings.LISTING_MAX_COUNTED = 1
    ProductFactory.create_batch(2)
    count, _, _ = listing(client)
    assert count == "超过 1 件商品。选择分类、县市或价格区间，可以缩小范围。"


def test_a_sorted_listing_past_its_bound_shows_the_cheapest_first(english, large):
    _, _, prices = listing(english, sort="price")
    assert prices[:3] == ["10", "11", "12"]


def test_a_filter_that_narrows_below_the_bound_counts_exactly(english, large):
    count, _, _ = listing(english, max_price="20")
    assert count == "11 products"


def test_past_its_bound_the_facets_name_the_choices_without_counting_them(english, settings):
    from tests.factories import CategoryFactory

    settings.LISTING_MAX_COUNTED = 30
    tea, citrus = CategoryFactory(name_en="Tea"), CategoryFactory(name_en="Citrus")
    for n in range(40):
        ProductFactory(category=tea if n % 4 else citrus, price=Decimal(10 + n))

    _, body, _ = listing(english)
    facets = body.split('id="facets"')[1].split("</nav>")[0]

    assert "Tea" in facets and "Citrus" in facets  # the most frequent first
    assert facets.index("Tea") < facets.index("Citrus")
    assert "facet-count" not in facets  # "(30)" would be a count of a sample
    _, narrowed, _ = listing(english, category=citrus.slug)  # 10: counted again
    assert re.search(r'Citrus <span class="facet-count">\(10\)</span>', narrowed)

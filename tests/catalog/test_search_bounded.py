"""A search matching more products than it ranks (a broad 茶 in a large catalog): the
products whose names match come first, the count says "more than", the pages stop, and a
sort the shopper chose still orders every match. On SQLite and PostgreSQL alike; the
limit is SEARCH_MAX_RANKED (2,400 by default), 10 here."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db
SEARCH = reverse("catalog:search")
MOST = 10
HTMX = {"HX-Request": "true"}


@pytest.fixture
def broad(settings):
    """14 teas known by their category only (茶叶), made first, then 3 products whose own
    names hold 茶: a database reading in the order rows were written meets the 14 first."""
    settings.SEARCH_MAX_RANKED = MOST
    tea = CategoryFactory(slug="tea-b", name_en="Tea", name_zh="茶叶")

    def product(slug, name, name_en, price):
        return ProductFactory(
            slug=slug, name=name, name_en=name_en, category=tea, price=Decimal(price)
        )

    plain = [
        product(f"leaf-{n}", f"高山云雾{n}号", f"Mountain mist {n}", "5" if n == 13 else "10")
        for n in range(14)
    ]
    named = [product(f"named-{n}", f"恩施玉露茶 {n}", f"Enshi Yulu {n}", "30") for n in range(3)]
    return plain, named


def shown(client, **params):
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    body = response.content.decode()
    slugs = re.findall(r'class="card-link" href="/products/([\w-]+)/"', body)
    count = re.search(r'class="result-count">([^<]*)<', body).group(1).strip()
    return slugs, count, body


def test_a_broad_search_ranks_the_products_named_so_first_and_says_there_are_more(english, broad):
    plain, named = broad

    slugs, count, body = shown(english, q="茶")

    assert slugs[:3] == sorted((p.slug for p in named), reverse=True)  # newest first
    assert len(slugs) == MOST and set(slugs) <= {p.slug for p in plain + named}
    assert count == (
        f"More than {MOST} products: the best matches first. Add a word or a filter to narrow them."
    )
    # Page 2 of 24 a page would be past the 10: the last page, the first one.
    assert shown(english, q="茶", page=2)[0] == slugs
    assert 'rel="next"' not in body


def test_in_chinese_the_count_says_more_than(client, broad):
    count = shown(client, q="茶")[1]

    assert count == f"超过 {MOST} 件商品，最相关的排在前面。再加一个词或筛选条件，可以缩小范围。"


def test_a_search_within_the_limit_counts_exactly(english, broad):
    slugs, count, _body = shown(english, q="玉露")

    assert count == "3 products"
    assert len(slugs) == 3


def test_a_sort_the_shopper_chose_orders_every_match_not_only_the_ranked(english, broad):
    plain, _named = broad

    slugs, count, _body = shown(english, q="茶", sort="price")

    # The cheapest was written last of all: not among the ten best match ranks.
    assert slugs[0] == plain[-1].slug
    assert count.startswith(f"More than {MOST} products")


def test_suggestions_of_a_broad_query_offer_the_products_named_so(client, broad):
    _plain, named = broad

    response = client.get(reverse("catalog:search_suggest"), {"q": "茶"}, headers=HTMX)

    offered = re.findall(r'href="/products/([\w-]+)/"', response.content.decode())
    assert set(offered[:3]) == {p.slug for p in named}


def test_shoppers_share_a_broad_searchs_candidates_until_a_listing_changes(client, broad):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalog import services
    from catalog.models import Product

    _plain, named = broad
    first, _count, _body = shown(client, q="茶")
    with CaptureQueriesContext(connection) as queries:
        client.get(SEARCH, {"q": "茶", "page": "1"})  # another page: the same candidates
    assert not [q for q in queries.captured_queries if "UNION ALL" in q["sql"]]

    services.set_product_status(Product.objects.get(pk=named[0].pk), Product.Status.DRAFT)
    ProductFactory(slug="named-new", name="恩施玉露茶 新", category=named[1].category)

    again, _count, _body = shown(client, q="茶")  # read again: both at once
    assert named[0].slug in first and named[0].slug not in again
    assert "named-new" in again

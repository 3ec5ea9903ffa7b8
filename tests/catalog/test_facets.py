"""Facet counts beside a listing: per category, county and price band (on the price the
card shows), as links that choose them and keep the other filters; three queries at most
whatever the number of products."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.core.cache import cache
from django.http import QueryDict

from catalog.facets import MAX_VALUES, listing_facets
from catalog.filters import ProductFilter
from catalog.models import Category, County
from catalog.search.synonyms import synonym_groups
from catalog.selectors import taxonomy_choices, visible_products
from tests.factories import CategoryFactory, ProductFactory, VendorFactory, running_promotion
from tests.support.search import RANKED_MATCHES

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(db):
    """Navel oranges from Zigui at 12, 25 and 30 yuan; tea from Enshi at 80 and 250
    yuan, the 250 one half price in a running promotion (125 on the card)."""
    zigui, enshi = County.objects.get(slug="zigui"), County.objects.get(slug="enshi-city")
    citrus, tea = Category.objects.get(slug="citrus"), Category.objects.get(slug="tea")
    vendors = {zigui: VendorFactory(county=zigui), enshi: VendorFactory(county=enshi)}
    made = {}
    for slug, name, category, county, price in [
        ("orange-12", "秭归脐橙 小果", citrus, zigui, 12),
        ("orange-25", "秭归脐橙 中果", citrus, zigui, 25),
        ("orange-30", "秭归脐橙 大果", citrus, zigui, 30),
        ("tea-80", "恩施玉露 绿茶", tea, enshi, 80),
        ("tea-250", "恩施玉露 礼盒 绿茶", tea, enshi, 250),
    ]:
        made[slug] = ProductFactory(
            slug=slug,
            name=name,
            category=category,
            origin_county=county,
            vendor=vendors[county],
            price=Decimal(price),
        )
    running_promotion(made["tea-250"], kind="percent_off", value="50")
    return made


def facets(client, url):
    """{facet title: [(label, count, href, chosen)]} as the page shows them."""
    html = client.get(url, headers={"Accept-Language": "en"}).content.decode()
    nav = re.search(r'<nav id="facets".*?</nav>', html, re.S).group(0)
    found = {}
    for title, body in re.findall(r'<h2 class="facet-title">(.*?)</h2>(.*?)</ul>', nav, re.S):
        found[title] = [
            (label.strip(), int(count), unescape(href), bool(chosen))
            for href, chosen, label, count in re.findall(
                r'<a href="([^"]*)"( aria-current="true")?[^>]*>(.*?) '
                r'<span class="facet-count">\((\d+)\)</span>',
                body,
            )
        ]
    return found


def test_all_products_are_counted_by_category_county_and_price_band(client, shelf):
    found = facets(client, "/products/")

    assert found["Category"] == [
        ("Oranges &amp; citrus", 3, "/products/?category=citrus", False),
        ("Tea", 2, "/products/?category=tea", False),
    ]
    assert [(label, count) for label, count, _href, _chosen in found["County"]] == [
        ("Zigui County", 3),
        ("Enshi City", 2),
    ]
    # On the shown price: the 250 yuan tea at half price is in ¥100–200.
    assert found["Price"] == [
        ("Under ¥20", 1, "/products/?max_price=19.99", False),
        ("¥20–50", 2, "/products/?min_price=20.00&max_price=49.99", False),
        ("¥50–100", 1, "/products/?min_price=50.00&max_price=99.99", False),
        ("¥100–200", 1, "/products/?min_price=100.00&max_price=199.99", False),
    ]


def test_a_band_link_shows_the_products_it_counted(client, shelf):
    html = client.get("/products/?min_price=20.00&max_price=49.99").content.decode()

    assert sorted(re.findall(r'class="card-link" href="/products/([\w-]+)/"', html)) == [
        "orange-25",
        "orange-30",
    ]


def test_search_results_are_counted_and_links_keep_the_query_and_filters(client, shelf):
    found = facets(client, "/search/?q=绿茶&in_stock=on&page=1&sort=price")

    assert found["Category"] == [
        ("Tea", 2, "/search/?q=%E7%BB%BF%E8%8C%B6&in_stock=on&sort=price&category=tea", False)
    ]
    assert [(label, count) for label, count, _href, _chosen in found["Price"]] == [
        ("¥50–100", 1),
        ("¥100–200", 1),
    ]


def test_a_facet_counts_the_results_of_the_other_filters_and_its_choice_can_be_undone(
    client, shelf
):
    found = facets(client, "/products/?category=tea&max_price=99.99")

    # The category counts ignore the chosen category: the oranges are all under ¥100.
    assert found["Category"] == [
        ("Oranges &amp; citrus", 3, "/products/?max_price=99.99&category=citrus", False),
        ("Tea", 1, "/products/?max_price=99.99", True),
    ]
    # The price counts ignore the chosen prices: the tea on half price shows its band.
    assert [(label, count, chosen) for label, count, _href, chosen in found["Price"]] == [
        ("¥50–100", 1, False),
        ("¥100–200", 1, False),
    ]
    assert [(label, count) for label, count, _href, _chosen in found["County"]] == [
        ("Enshi City", 1)
    ]


def test_a_chosen_band_is_marked_and_its_link_removes_it(client, shelf):
    found = facets(client, "/products/?min_price=20.00&max_price=49.99")

    assert ("¥20–50", 2, "/products/", True) in found["Price"]


def test_a_category_page_does_not_count_categories(client, shelf):
    found = facets(client, "/categories/tea/")

    assert list(found) == ["County", "Price"]
    assert found["County"] == [("Enshi City", 2, "/categories/tea/?county=enshi-city", False)]


def test_hidden_products_are_not_counted(client, shelf):
    ProductFactory(slug="draft-tea", category=Category.objects.get(slug="tea"), status="draft")

    assert facets(client, "/products/")["Category"][1][:2] == ("Tea", 2)


def test_facets_speak_chinese(client, shelf):
    html = client.get("/products/", headers={"Accept-Language": "zh-hans"}).content.decode()

    assert '茶叶 <span class="facet-count">(2)</span>' in html
    assert "¥20 以下" in html


def test_htmx_filtering_updates_the_facets_out_of_band(client, shelf):
    html = client.get("/products/?category=tea", headers={"HX-Request": "true"}).content.decode()

    assert '<nav id="facets" class="facets"' in html
    assert 'hx-swap-oob="true"' in re.search(r'<nav id="facets"[^>]*>', html).group(0)


def test_invalid_filters_show_no_facets(client, shelf):
    html = client.get("/products/?min_price=9&max_price=1").content.decode()

    assert '<h2 class="facet-title">' not in html


def add_products(size):
    citrus = Category.objects.get(slug="citrus")
    counties = list(County.objects.order_by("slug")[:10])
    for i in range(size):
        ProductFactory(
            slug=f"more-{i}",
            name=f"脐橙 {i}",
            category=citrus,
            origin_county=counties[i % 10],
            price=Decimal(5 + i * 7),
        )


@pytest.mark.parametrize("size", [2, 40])
def test_facets_not_chosen_are_counted_in_one_query_whatever_the_data(
    django_assert_num_queries, shelf, size
):
    add_products(size)
    choices = taxonomy_choices()
    filterset = ProductFilter(
        QueryDict("q=脐橙&in_stock=on"), queryset=visible_products(), choices=choices
    )
    assert filterset.is_valid()
    cache.clear()
    synonym_groups()  # read once per catalog revision by every search, not by facets
    filterset.qs  # noqa: B018 (the page reads its results, their ranked matches, first)

    with django_assert_num_queries(1):
        found = listing_facets(filterset, visible_products(), path="/search/", choices=choices)

    counts = {facet.name: sum(value.count for value in facet.values) for facet in found}
    assert counts["category"] == counts["price"] == size + 3  # the oranges
    counties = visible_products().filter(name__contains="脐橙").values("origin_county").distinct()
    assert len(found[1].values) == min(MAX_VALUES, counties.count())  # the largest first


@pytest.mark.parametrize("size", [2, 40])
@pytest.mark.parametrize(
    ("params", "queries"),
    [
        # A chosen facet counts the search without it: its ranked matches, then the
        # count (the others count the page's own results).
        ("category=citrus", 1 + RANKED_MATCHES + 1),  # county and price, then the categories
        ("category=citrus&county=zigui&min_price=1", 3 * (RANKED_MATCHES + 1)),  # each
    ],
)
def test_each_chosen_facet_takes_two_more_queries(
    django_assert_num_queries, shelf, size, params, queries
):
    add_products(size)
    choices = taxonomy_choices()
    filterset = ProductFilter(
        QueryDict(f"q=脐橙&{params}"), queryset=visible_products(), choices=choices
    )
    assert filterset.is_valid()
    synonym_groups()  # read once per catalog revision by every search, not by facets
    filterset.qs  # noqa: B018 (the page reads its results first)

    with django_assert_num_queries(queries):
        found = listing_facets(filterset, visible_products(), path="/search/", choices=choices)

    assert [facet.name for facet in found] == ["category", "county", "price"]


def test_a_promotion_page_counts_each_product_once(client, shelf):
    """A product a promotion covers twice (by itself and by its category) is one product."""
    promotion = running_promotion(shelf["orange-25"], shelf["orange-12"], value="10")
    promotion.categories.add(Category.objects.get(slug="citrus"))

    found = facets(client, f"/promotions/{promotion.slug}/")

    assert [(label, count) for label, count, _href, _chosen in found["Category"]] == [
        ("Oranges &amp; citrus", 3)
    ]
    assert sum(count for _label, count, _href, _chosen in found["Price"]) == 3


def test_two_category_landings_count_their_own_products(client):
    """Both are /search/ with `q` fixed: each keyword's facets are its own."""
    from catalog.models import KeywordLanding
    from tests.factories import CountyFactory, KeywordLandingFactory

    crayfish, tea = CategoryFactory(slug="crayfish-l"), CategoryFactory(slug="tea-l")
    qianjiang, enshi = CountyFactory(name_zh="潜江市"), CountyFactory(name_zh="恩施市")
    ProductFactory(category=crayfish, origin_county=qianjiang)
    ProductFactory(category=tea, origin_county=enshi)
    for keyword, category in [("小龙虾", crayfish), ("茶叶", tea)]:
        KeywordLandingFactory(
            keyword=keyword, target=KeywordLanding.Target.CATEGORY, category=category
        )

    def counties(keyword):
        html = client.get("/search/", {"q": keyword}, follow=True).content.decode()
        return html.split('id="facets"')[1].split("</nav>")[0]

    assert "潜江市" in counties("小龙虾") and "恩施市" not in counties("小龙虾")
    assert "恩施市" in counties("茶叶") and "潜江市" not in counties("茶叶")


def test_a_cached_page_counts_again_once_its_facet_counts_expire(client, settings):
    import time

    from catalog import services
    from catalog.models import Product

    settings.FACET_COUNTS_SECONDS = 1
    tea = CategoryFactory(slug="tea-e", name_zh="茶叶")
    first, _second = ProductFactory(category=tea), ProductFactory(category=tea)
    assert "茶叶 <span" in client.get("/products/").content.decode()
    services.set_product_status(Product.objects.get(pk=first.pk), Product.Status.DRAFT)
    client.get("/products/")  # rendered again, the counts kept a while

    time.sleep(1.1)
    response = client.get("/products/")

    assert response["X-Page-Cache"] == "render"
    assert '茶叶 <span class="facet-count">(1)</span>' in response.content.decode()

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Product
from catalog.views import PAGE_SIZE
from tests.factories import (
    CategoryFactory,
    CountyFactory,
    PrefectureFactory,
    ProductFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db
LIST = reverse("catalog:product_list")


def card_slugs(html):
    """Product slugs in the order the page's cards show them."""
    return re.findall(r'class="card-link" href="/products/([\w-]+)/"', html)


@pytest.fixture
def shown(client):
    def get(**params):
        response = client.get(LIST, params)
        assert response.status_code == 200
        return card_slugs(response.content.decode())

    return get


def test_category_filter_includes_subcategories(shown):
    tea = CategoryFactory(slug="tea-x")
    green = CategoryFactory(slug="green-tea-x", parent=tea)
    in_tea = ProductFactory(category=tea)
    in_green = ProductFactory(category=green)
    ProductFactory()

    assert sorted(shown(category="tea-x")) == sorted([in_tea.slug, in_green.slug])
    assert shown(category="green-tea-x") == [in_green.slug]


def test_prefecture_and_county_filters(shown):
    yichang = PrefectureFactory(slug="yichang-x")
    zigui = CountyFactory(slug="zigui-x", prefecture=yichang)
    yidu = CountyFactory(slug="yidu-x", prefecture=yichang)
    orange = ProductFactory(origin_county=zigui)
    mandarin = ProductFactory(origin_county=yidu)
    ProductFactory()

    assert sorted(shown(prefecture="yichang-x")) == sorted([orange.slug, mandarin.slug])
    assert shown(county="zigui-x") == [orange.slug]


def test_vendor_filter(shown):
    vendor = VendorFactory(slug="coop-x")
    mine = ProductFactory(vendor=vendor)
    ProductFactory()

    assert shown(vendor="coop-x") == [mine.slug]


def test_price_range_is_inclusive(shown):
    cheap = ProductFactory(price=Decimal("9.99"))
    middle = ProductFactory(price=Decimal("20.00"))
    dear = ProductFactory(price=Decimal("30.01"))

    assert sorted(shown(min_price="10", max_price="30.01")) == sorted([middle.slug, dear.slug])
    assert shown(max_price="9.99") == [cheap.slug]


def test_in_stock_only_hides_sold_out(shown):
    available = ProductFactory(stock=3)
    sold_out = ProductFactory(stock=0)

    assert shown(in_stock="on") == [available.slug]
    assert sorted(shown()) == sorted([available.slug, sold_out.slug])


def test_sold_out_products_say_so(client):
    ProductFactory(stock=0)

    assert "Sold out" in client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"min_price": "abc"}, "Enter a number."),
        ({"min_price": "-5"}, "Ensure this value is greater than or equal to 0."),
        ({"min_price": "50", "max_price": "10"}, "The highest price must not be below the lowest."),
        ({"category": "no-such-category"}, "Select a valid choice."),
    ],
)
def test_invalid_filters_explain_what_is_wrong_and_show_nothing(english, params, message):
    ProductFactory()

    response = english.get(LIST, params)

    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "Some filters are not valid. Correct them to see products." in html
    assert 'class="card"' not in html


def test_sorting_by_price_name_and_newest(shown):
    b = ProductFactory(name="B 橙", price=Decimal("5"))
    c = ProductFactory(name="C 茶", price=Decimal("1"))
    a = ProductFactory(name="A 蛋", price=Decimal("9"))

    assert shown(sort="price") == [c.slug, b.slug, a.slug]
    assert shown(sort="-price") == [a.slug, b.slug, c.slug]
    assert shown(sort="name") == [a.slug, b.slug, c.slug]
    assert shown(sort="newest") == [a.slug, c.slug, b.slug]
    assert shown() == [a.slug, c.slug, b.slug]


@pytest.mark.parametrize(
    "narrowed",
    [
        {"category": "tea-s"},
        {"county": "enshi-s"},
        {"prefecture": "enshi-pref-s"},
        {"category": "tea-s", "county": "enshi-s"},
        {"vendor": "enshi-coop-s"},
    ],
)
def test_a_narrowed_listing_sorts_by_the_price_on_the_card_and_by_name(shown, client, narrowed):
    # Sorted from its matches (catalog/filters.py SORT_ORDERING_NARROWED), in the same
    # order as the whole catalog's: the shown price, sold-out last, ties newest last.
    tea = CategoryFactory(slug="tea-s")
    green = CategoryFactory(slug="green-tea-s", parent=tea)
    enshi = CountyFactory(slug="enshi-s", prefecture=PrefectureFactory(slug="enshi-pref-s"))
    coop = VendorFactory(slug="enshi-coop-s")
    made = {"category": green, "origin_county": enshi, "vendor": coop}
    dear = ProductFactory(name="恩施玉露 B", price=Decimal("88.00"), **made)
    promoted = ProductFactory(name="恩施玉露 E", price=Decimal("99.00"), **made)
    # What a running promotion stores (catalog/promotions/shown_prices.py)
    Product.objects.filter(pk=promoted.pk).update(promoted_price=Decimal("12.00"))
    sold_out = ProductFactory(name="恩施玉露 A", price=Decimal("1.00"), stock=0, **made)
    tie_first = ProductFactory(name="恩施玉露 D", price=Decimal("30.00"), **made)
    tie_second = ProductFactory(name="恩施玉露 C", price=Decimal("30.00"), **made)
    ProductFactory(price=Decimal("0.50"))  # elsewhere: never listed

    cheapest_first = [promoted.slug, tie_first.slug, tie_second.slug, dear.slug, sold_out.slug]
    assert shown(sort="price", **narrowed) == cheapest_first
    assert shown(sort="-price", **narrowed) == [
        dear.slug,
        tie_second.slug,
        tie_first.slug,
        promoted.slug,
        sold_out.slug,
    ]
    category_page = client.get("/categories/tea-s/", {"sort": "price"}).content.decode()
    assert card_slugs(category_page) == cheapest_first
    by_name = [dear.slug, tie_second.slug, tie_first.slug, promoted.slug, sold_out.slug]
    assert shown(sort="name", **narrowed) == by_name  # sold-out last in every sort


def test_pagination_keeps_the_filters(english):
    tea = CategoryFactory(slug="tea-p")
    ProductFactory.create_batch(PAGE_SIZE + 3, category=tea)
    ProductFactory.create_batch(2)

    first = english.get(LIST, {"category": "tea-p", "sort": "price"}).content.decode()
    second = english.get(LIST, {"category": "tea-p", "sort": "price", "page": 2})

    assert f"{PAGE_SIZE + 3} products" in first
    assert "Page 1 of 2" in first
    assert 'href="?category=tea-p&amp;sort=price&amp;page=2"' in first
    assert second.content.decode().count('class="card"') == 3


@pytest.mark.parametrize("path", [LIST, "/categories/tea-g/", "/search/?q=茶"])
def test_a_page_that_is_not_a_number_is_page_1_and_past_the_end_the_last(english, path):
    tea = CategoryFactory(slug="tea-g", name_zh="茶", name_en="Tea")
    ProductFactory.create_batch(PAGE_SIZE + 1, category=tea, name="恩施玉露")
    sep = "&" if "?" in path else "?"

    for page in ("abc", "1.5", ""):
        response = english.get(f"{path}{sep}page={page}")
        assert response.status_code == 200
        html = response.content.decode()
        assert "Page 1 of 2" in html and html.count('class="card"') == PAGE_SIZE
    for page in ("2", "5", "99999999999999999999"):
        html = english.get(f"{path}{sep}page={page}").content.decode()
        assert "Page 2 of 2" in html and html.count('class="card"') == 1


def test_empty_result_offers_a_way_out(english):
    ProductFactory(price=Decimal("10"))

    html = english.get(LIST, {"min_price": "1000"}).content.decode()

    assert "0 products" in html
    assert "No products match. Try fewer filters or another word." in html


def test_htmx_filter_request_gets_only_the_results_never_the_inputs(client):
    ProductFactory()

    response = client.get(LIST, {"in_stock": "on"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="results"')
    assert "<html" not in html
    assert "<input" not in html and "<select" not in html  # what is typed stays
    assert '<span id="filter-count" class="filter-count" hx-swap-oob="true"> (1)</span>' in html
    assert "HX-Request" in response["Vary"]


def test_county_page_lists_only_its_products_and_says_what_it_is_known_for(english):
    county = CountyFactory(known_for_en="navel oranges", known_for_zh="秭归脐橙")
    mine = ProductFactory(origin_county=county)
    other = ProductFactory()

    html = english.get(county.get_absolute_url()).content.decode()

    assert mine.get_absolute_url() in html
    assert other.get_absolute_url() not in html
    assert "Known for navel oranges." in html
    assert 'name="county"' not in html  # the page fixes the county


def test_vendor_storefront_lists_only_its_products(client):
    vendor = VendorFactory(name="秭归县脐橙合作社")
    mine = ProductFactory(vendor=vendor)
    other = ProductFactory()

    html = client.get(vendor.get_absolute_url()).content.decode()

    assert "秭归县脐橙合作社" in html
    assert mine.get_absolute_url() in html
    assert other.get_absolute_url() not in html


def test_unknown_category_county_and_vendor_pages_are_404(client):
    assert client.get("/categories/nope/").status_code == 404
    assert client.get("/counties/nope/").status_code == 404
    assert client.get("/vendors/nope/").status_code == 404
    assert client.get("/products/nope/").status_code == 404


def test_htmx_history_restore_gets_the_whole_page(client):
    ProductFactory()

    response = client.get(
        LIST, {"in_stock": "on"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )

    assert "<html" in response.content.decode()


def test_home_counts_include_subcategories_and_drop_a_suspended_vendor(english):
    from catalog import services

    tea = CategoryFactory(slug="tea-h", name_en="Tea leaves", name_zh="茶叶")
    green = CategoryFactory(slug="green-h", parent=tea)
    ProductFactory(category=tea)
    hidden_soon = ProductFactory(category=green)
    assert (
        'Tea leaves</span>\n        <span class="muted">2 products'
        in english.get("/").content.decode()
    )

    services.suspend_vendor(hidden_soon.vendor)

    assert (
        'Tea leaves</span>\n        <span class="muted">1 product<'
        in english.get("/").content.decode()
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"min_price": "30", "max_price": "12"}, "The highest price must not be below the lowest."),
        ({"min_price": "3o"}, "Enter a number."),
    ],
)
def test_invalid_range_typed_with_htmx_explains_and_keeps_the_results_shown(
    english, params, message
):
    ProductFactory()

    response = english.get(LIST, params, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 422  # not a 500, and never cached
    assert (response["HX-Reswap"], response["HX-Push-Url"]) == ("none", "false")
    assert html.lstrip().startswith(
        '<div id="filter-errors" class="filter-errors" role="alert" hx-swap-oob="true">'
    )
    assert message in html
    assert 'id="results"' not in html  # the products shown stay
    # and the same request later still answers with the message (not a stored page)
    assert english.get(LIST, params, HTTP_HX_REQUEST="true").status_code == 422


def test_filter_panel_is_folded_behind_a_button_with_the_active_filter_count(client):
    ProductFactory(price=Decimal("50"))

    html = client.get(
        LIST, {"min_price": "30", "max_price": "120", "sort": "price"}
    ).content.decode()

    assert '<details class="filters-panel" id="filters-panel">' in html  # folded: no "open"
    assert (
        '<summary class="filters-toggle">筛选<span id="filter-count" class="filter-count">'
        " (2)</span></summary>"
    ) in html
    assert '<button type="submit">确定</button>' in html  # works without JavaScript


def select_options(html, name):
    """(optgroup labels, option values) of the select `name`."""
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return re.findall(r'<optgroup label="([^"]+)"', select), re.findall(r'value="([^"]*)"', select)


def test_county_list_narrows_to_the_chosen_prefecture_and_is_grouped_otherwise(english):
    yichang = PrefectureFactory(slug="yichang-n", name_en="Yichang")
    enshi = PrefectureFactory(slug="enshi-n", name_en="Enshi")
    zigui = CountyFactory(slug="zigui-n", prefecture=yichang)
    CountyFactory(slug="yidu-n", prefecture=yichang)
    lichuan = CountyFactory(slug="lichuan-n", prefecture=enshi)
    ProductFactory(origin_county=zigui)

    narrowed = english.get(LIST, {"prefecture": "yichang-n"}).content.decode()
    grouped = english.get(LIST).content.decode()
    elsewhere = english.get(LIST, {"prefecture": "yichang-n", "county": lichuan.slug})

    groups, values = select_options(narrowed, "county")
    assert (groups, sorted(values)) == ([], ["", "yidu-n", "zigui-n"])
    groups, values = select_options(grouped, "county")
    assert {"Yichang", "Enshi"} <= set(groups)
    assert {"zigui-n", "yidu-n", "lichuan-n"} <= set(values)
    assert "Choose a county of the chosen prefecture." in elsewhere.content.decode()
    assert elsewhere.status_code == 200


def test_vendor_storefront_offers_no_place_or_vendor_filters(english):
    vendor = VendorFactory()
    ProductFactory(vendor=vendor)

    html = english.get(vendor.get_absolute_url()).content.decode()

    for name in ("prefecture", "county", "vendor"):
        assert f'name="{name}"' not in html
    assert 'name="category"' in html and 'name="min_price"' in html


@pytest.mark.parametrize(
    ("language", "params", "title"),
    [
        ("zh-hans", {"category": "crayfish"}, "小龙虾"),
        ("en", {"category": "crayfish"}, "Crayfish"),
        ("en", {"county": "county-t"}, "Tea county"),
        ("zh-hans", {"vendor": "coop-t"}, "茶园合作社"),
        ("en", {}, "All products from Hubei"),
    ],
)
def test_a_filtered_listing_is_titled_with_what_was_chosen(client, language, params, title):
    county = CountyFactory(slug="county-t", name_en="Tea county", name_zh="茶县")
    ProductFactory(vendor=VendorFactory(slug="coop-t", name="茶园合作社"), origin_county=county)

    page = client.get(LIST, params, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert f"<h1>{title}</h1>" in page
    if params:
        assert f"<title>{title} · " in page
        assert "全部湖北好物" not in page and "All products from Hubei" not in page

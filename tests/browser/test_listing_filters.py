"""On a phone, in Chinese: the filter panel folds behind 筛选 (n), a price range typed key
by key stays as typed while the results follow, counties narrow to the chosen prefecture,
and the keywords 湖北 and 助农 land on pages that say what they are."""

from decimal import Decimal

import pytest

from catalog.models import Category, County, KeywordLanding
from tests.factories import KeywordLandingFactory, ProductFactory, VendorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PRICES = [12, 25, 30, 45, 80, 120, 135, 300]


@pytest.fixture
def crayfish(transactional_db):
    """Crayfish at PRICES yuan, from Jianli (Jingzhou) and from Qianjiang, no promotion."""
    from demo import catalog as seed

    seed.seed_reference_data()
    category = Category.objects.get(slug="crayfish")
    jianli, qianjiang = County.objects.get(slug="jianli"), County.objects.get(slug="qianjiang-city")
    vendors = {county: VendorFactory(county=county) for county in (jianli, qianjiang)}
    products = {}
    for i, price in enumerate(PRICES):
        county = jianli if i % 2 else qianjiang
        products[price] = ProductFactory(
            slug=f"crayfish-{price}",
            name=f"小龙虾 {price} 元",
            category=category,
            origin_county=county,
            vendor=vendors[county],
            price=Decimal(price),
            stock=50,
        )
    return products


def phone_page(browser, live_server, path):
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN"}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + path)
    return page


def shown_slugs(page):
    return sorted(
        href.strip("/").split("/")[-1]
        for href in page.locator("#results .card-link").evaluate_all(
            "links => links.map(link => link.getAttribute('href'))"
        )
    )


def settled(page, *fragments):
    """Wait until the address holds every fragment and no htmx request is running."""
    page.wait_for_function(
        "parts => parts.every(part => decodeURIComponent(location.search).includes(part))"
        " && !document.querySelector('.htmx-request')",
        arg=list(fragments),
    )


def test_typing_a_price_range_on_a_phone_keeps_it_and_shows_only_that_range(
    browser, live_server, crayfish, screenshot
):
    page = phone_page(browser, live_server, "/products/?category=crayfish")
    panel = page.locator("#filters-panel")
    assert panel.get_attribute("open") is None  # folded on a phone: results in sight
    assert page.locator("#filters-panel > summary").inner_text() == "筛选 (1)"
    assert not page.locator("#id_min_price").is_visible()
    screenshot(page, "listing-01-filters-folded-phone-zh")

    page.locator("#filters-panel > summary").click()
    page.locator("#id_min_price").click()
    page.keyboard.type("30", delay=150)
    page.locator("#id_max_price").click()
    page.keyboard.type("120", delay=150)
    settled(page, "min_price=30", "max_price=120")

    assert page.locator("#id_min_price").input_value() == "30"
    assert page.locator("#id_max_price").input_value() == "120"
    assert page.evaluate("document.activeElement.id") == "id_max_price"
    assert page.locator("#filter-errors").inner_text() == ""
    assert shown_slugs(page) == sorted(f"crayfish-{p}" for p in PRICES if 30 <= p <= 120)
    assert page.locator(".result-count").inner_text() == "4 件商品"
    assert page.locator("#filters-panel > summary").inner_text() == "筛选 (3)"
    screenshot(page, "listing-02-price-range-typed-phone-zh")

    # A range upside down explains itself and keeps the products shown.
    page.locator("#id_max_price").fill("")
    page.keyboard.type("20", delay=150)
    page.wait_for_selector("#filter-errors .error")
    assert "最高价不能低于最低价" in page.locator("#filter-errors").inner_text()
    assert len(shown_slugs(page)) == 4
    assert page.locator("#id_max_price").input_value() == "20"
    screenshot(page, "listing-03-price-range-upside-down-phone-zh")

    page.reload()  # the address kept the last good range
    assert page.locator("#id_min_price").input_value() == "30"
    assert page.locator("#id_max_price").input_value() == "120"
    assert len(shown_slugs(page)) == 4


def test_counties_narrow_to_the_chosen_prefecture(browser, live_server, crayfish, screenshot):
    page = phone_page(browser, live_server, "/products/?category=crayfish")
    page.locator("#filters-panel > summary").click()
    county = page.locator("#id_county")
    assert county.locator("option").count() == 1 + County.objects.count()

    page.locator("#id_prefecture").select_option("jingzhou")
    settled(page, "prefecture=jingzhou")

    jingzhou = set(
        County.objects.filter(prefecture__slug="jingzhou").values_list("slug", flat=True)
    )
    offered = set(county.locator("option").evaluate_all("os => os.map(o => o.value)")) - {""}
    assert offered == jingzhou
    county.select_option("jianli")
    settled(page, "county=jianli")
    assert shown_slugs(page) == sorted(f"crayfish-{p}" for i, p in enumerate(PRICES) if i % 2)
    assert page.locator("#filters-panel > summary").inner_text() == "筛选 (3)"
    screenshot(page, "listing-04-county-in-jingzhou-phone-zh")


def test_the_hubei_keyword_lands_on_a_page_that_says_so(browser, live_server, crayfish, screenshot):
    KeywordLandingFactory(keyword="湖北", target=KeywordLanding.Target.ZONE)
    page = phone_page(browser, live_server, "/")

    page.locator("#site-search").fill("湖北")
    page.locator("#site-search").press("Enter")

    page.wait_for_url("**/search/?q=*")
    assert page.locator(".landing-keyword").inner_text() == "搜索“湖北”"
    assert page.locator("h1").inner_text() == "湖北好物"
    assert page.locator("#site-search").input_value() == "湖北"
    assert page.locator(".result-count").inner_text() == f"{len(PRICES)} 件商品"
    screenshot(page, "listing-05-hubei-landing-phone-zh")


def test_the_zhunong_keyword_shows_the_in_stock_list_under_it(
    browser, live_server, crayfish, screenshot
):
    KeywordLandingFactory(
        keyword="助农", target=KeywordLanding.Target.URL, url="/products/?in_stock=on&sort=price"
    )
    sold_out = crayfish[PRICES[0]]
    sold_out.stock = 0
    sold_out.save()
    page = phone_page(browser, live_server, "/")

    page.locator("#site-search").fill("助农")
    page.locator("#site-search").press("Enter")

    page.wait_for_url("**/search/?q=*")
    assert page.locator(".landing-keyword").inner_text() == "搜索“助农”"
    assert page.locator("h1").inner_text() == "全部湖北好物"
    assert page.locator("#site-search").input_value() == "助农"
    assert page.locator(".result-count").inner_text() == f"{len(PRICES) - 1} 件商品"
    assert page.locator("#results .card-title").first.inner_text() == f"小龙虾 {PRICES[1]} 元"
    screenshot(page, "listing-06-zhunong-landing-phone-zh")

"""On a phone, in Chinese: typing in the header's search box suggests categories, counties
and products as a listbox the keyboard moves through (Down, Enter, Escape), a screen
reader hears how many; without JavaScript the box is a plain search; the results count
their categories, counties and price bands as links."""

from decimal import Decimal

import pytest

from catalog.models import Category, County
from tests.browser.helpers import phone_context
from tests.factories import ProductFactory, VendorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def oranges(transactional_db):
    """Navel oranges from Zigui (three sizes), tea from Enshi."""
    from demo import catalog as seed

    seed.seed_reference_data()
    zigui, enshi = County.objects.get(slug="zigui"), County.objects.get(slug="enshi-city")
    citrus, tea = Category.objects.get(slug="citrus"), Category.objects.get(slug="tea")
    for slug, name, price in [
        ("zigui-orange", "秭归脐橙 5kg 礼盒", 68),
        ("zigui-orange-small", "秭归脐橙 小果 2.5kg", 19),
        ("zigui-orange-large", "秭归脐橙 大果 10kg", 128),
    ]:
        ProductFactory(
            slug=slug,
            name=name,
            name_en="Zigui navel oranges",
            category=citrus,
            origin_county=zigui,
            vendor=VendorFactory(county=zigui),
            price=Decimal(price),
            stock=30,
        )
    ProductFactory(
        slug="enshi-tea",
        name="恩施玉露",
        category=tea,
        origin_county=enshi,
        vendor=VendorFactory(county=enshi),
        price=Decimal(45),
    )


def phone_page(browser, live_server, path="/", javascript=True):
    context = phone_context(browser)
    if not javascript:
        context.close()
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            locale="zh-CN",
            java_script_enabled=False,
            extra_http_headers={"Accept-Language": "zh-CN"},
        )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + path)
    return page


def type_in_search(page, text):
    box = page.locator("#site-search")
    box.click()
    box.fill("")
    page.keyboard.type(text, delay=80)
    page.wait_for_function(
        "text => document.querySelector('#search-suggestions-status').innerText.trim() !== ''"
        " && !document.querySelector('.htmx-request')"
        " && document.querySelector('#site-search').value === text",
        arg=text,
    )


def active_option(page):
    return page.evaluate(
        "() => { const id = document.querySelector('#site-search')"
        ".getAttribute('aria-activedescendant');"
        " const o = id && document.getElementById(id);"
        " return o ? [o.innerText.trim(), o.getAttribute('aria-selected')] : null; }"
    )


def test_typing_initials_suggests_and_the_keyboard_opens_one(
    browser, live_server, oranges, screenshot
):
    page = phone_page(browser, live_server)
    box = page.locator("#site-search")
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-expanded") == "false"

    type_in_search(page, "qc")

    listbox = page.get_by_role("listbox")
    assert listbox.is_visible()
    assert box.get_attribute("aria-expanded") == "true"
    assert box.get_attribute("aria-controls") == "search-suggestions"
    options = listbox.get_by_role("option")
    labels = options.all_inner_texts()
    assert "脐橙柑橘" in labels  # the category, by the initials of qi cheng
    status = page.locator("#search-suggestions-status")
    assert status.get_attribute("aria-live") == "polite"
    assert status.inner_text() == f"{len(labels)} 条建议，用上下方向键选择"
    screenshot(page, "i22-suggest", full_page=False)

    for _ in labels:  # Down until the category is the active option, focus in the box
        page.keyboard.press("ArrowDown")
        if active_option(page)[0] == "脐橙柑橘":
            break
    assert active_option(page) == ["脐橙柑橘", "true"]
    assert page.evaluate("document.activeElement.id") == "site-search"

    page.keyboard.press("Enter")

    page.wait_for_url("**/categories/citrus/")
    assert page.locator("h1").inner_text().startswith("脐橙柑橘")


def test_down_and_enter_open_the_suggested_product(browser, live_server, oranges):
    page = phone_page(browser, live_server)

    type_in_search(page, "脐橙")
    products = page.locator("#search-suggestions [role=group]").first.get_by_role("option")
    assert products.count() == 3
    page.keyboard.press("ArrowDown")
    first = products.first.inner_text().split(" 秭归县")[0]
    assert active_option(page)[1] == "true"
    page.keyboard.press("ArrowUp")  # wraps round to the last suggestion
    page.keyboard.press("ArrowDown")  # and back to the first
    assert active_option(page)[0].startswith(first)

    page.keyboard.press("Enter")

    page.wait_for_url("**/products/zigui-orange*/")
    assert page.locator("h1").inner_text().startswith("秭归脐橙")


def test_escape_closes_the_suggestions_and_enter_searches(browser, live_server, oranges):
    page = phone_page(browser, live_server)
    type_in_search(page, "zigui")
    assert page.get_by_role("listbox").is_visible()

    page.keyboard.press("ArrowDown")
    page.keyboard.press("Escape")

    assert not page.get_by_role("listbox").is_visible()
    assert page.locator("#site-search").get_attribute("aria-expanded") == "false"
    assert page.locator("#site-search").get_attribute("aria-activedescendant") is None
    page.keyboard.press("Enter")  # no suggestion chosen: a search
    page.wait_for_url("**/search/?q=zigui")


def test_without_javascript_the_box_searches(browser, live_server, oranges):
    page = phone_page(browser, live_server, javascript=False)

    page.locator("#site-search").fill("脐橙")
    page.locator("#site-search").press("Enter")

    page.wait_for_url("**/search/?q=*")
    assert page.locator(".card-link").count() == 3


def test_search_results_count_their_categories_counties_and_prices(
    browser, live_server, oranges, screenshot
):
    page = phone_page(browser, live_server, "/search/?q=脐橙")
    page.locator("#filters-panel > summary").click()
    facets = page.locator("#facets")

    assert facets.get_by_role("link", name="脐橙柑橘 (3)").is_visible()
    assert facets.get_by_role("link", name="秭归县 (3)").is_visible()
    assert facets.locator(".facet").nth(2).locator("a").all_inner_texts() == [
        "¥20 以下 (1)",
        "¥50–100 (1)",
        "¥100–200 (1)",
    ]
    screenshot(page, "i22-facets")

    facets.get_by_role("link", name="¥50–100 (1)").click()

    page.wait_for_url("**/search/?q=*&min_price=50.00&max_price=99.99")
    assert page.locator(".card-link").count() == 1
    assert page.locator(".result-count").inner_text() == "1 件商品"


def test_at_a_desk_in_english_suggestions_and_facets_read_english(
    browser, live_server, oranges, screenshot
):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        locale="en-US",
        extra_http_headers={"Accept-Language": "en"},
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/search/?q=navel")
    assert page.locator("#facets").get_by_role("link", name="Zigui County (3)").is_visible()

    type_in_search(page, "zig")

    assert "Zigui County" in page.get_by_role("listbox").get_by_role("option").all_inner_texts()
    assert (
        page.locator("#search-suggestions-status")
        .inner_text()
        .endswith("suggestions, use the up and down arrows to choose")
    )
    screenshot(page, "i22-suggest-desktop-en", full_page=False)

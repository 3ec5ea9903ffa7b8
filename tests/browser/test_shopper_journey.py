"""A shopper types 小龙虾, lands on crayfish, narrows to one county and opens a product."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def zone(transactional_db):
    call_command("seed_demo", products=400, no_progress=True, stdout=StringIO())


def open_page(browser, live_server, *, viewport, javascript=True, locale="zh-CN"):
    context = browser.new_context(
        viewport=viewport,
        locale=locale,
        java_script_enabled=javascript,
        extra_http_headers={"Accept-Language": locale},
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/")
    return page


def test_crayfish_search_to_county_to_product(browser, live_server, zone, screenshot):
    page = open_page(browser, live_server, viewport=DESKTOP)
    with translation.override("zh-hans"):
        assert page.locator("h1").inner_text() == gettext("Made in Hubei")
    screenshot(page, "01-zone-home-zh")

    page.locator("#site-search").fill("小龙虾")
    page.locator("#site-search").press("Enter")

    page.wait_for_url("**/search/?q=*")  # the landing says what the keyword leads to
    assert page.locator(".landing-keyword").inner_text() == "搜索“小龙虾”"
    assert page.locator("h1").inner_text() == "小龙虾"
    assert page.locator("#site-search").input_value() == "小龙虾"
    all_crayfish = page.locator(".result-count").inner_text()

    page.locator("select[name=county]").select_option("jianli")  # htmx swaps the results in place
    page.wait_for_url("**/search/?*county=jianli*")
    page.wait_for_function(
        "count => document.querySelector('.result-count').innerText !== count", arg=all_crayfish
    )
    origins = page.locator(".card-meta").all_inner_texts()
    assert origins and all(text.startswith("监利市") for text in origins)
    screenshot(page, "02-crayfish-in-jianli-zh")

    page.locator(".card-link").first.click()

    page.wait_for_url("**/products/demo-*/")
    assert "小龙虾" in page.locator("h1").inner_text()
    assert "监利市" in page.locator(".facts").inner_text()
    assert page.locator(".product-price strong").inner_text().startswith("¥")
    screenshot(page, "03-product-page-zh")


def test_filters_work_without_javascript_on_a_phone(browser, live_server, zone, screenshot):
    page = open_page(browser, live_server, viewport=PHONE, javascript=False, locale="en-US")
    page.goto(live_server.url + "/categories/crayfish/")

    page.get_by_text("Filter", exact=True).click()  # a <details>: opens without JavaScript
    page.get_by_label("County").select_option("qianjiang-city")
    page.get_by_label("In stock only").check()
    page.get_by_role("button", name="Apply").click()

    page.wait_for_url("**/categories/crayfish/?*county=qianjiang-city*")
    origins = page.locator(".card-meta").all_inner_texts()
    assert origins and all(text.startswith("Qianjiang") for text in origins)
    assert page.locator(".badge-out").count() == 0
    # the page fits a phone: nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "04-crayfish-qianjiang-phone-en")


def test_switching_language_keeps_the_page(browser, live_server, zone, screenshot):
    page = open_page(browser, live_server, viewport=PHONE)
    page.goto(live_server.url + "/products/?category=tea")

    page.get_by_role("button", name="English").click()

    page.wait_for_url("**/products/?category=tea")
    assert page.locator("h1").inner_text() == "Tea"  # the listing is titled with its filter
    screenshot(page, "05-tea-phone-en")

"""A shopper on a phone, in Chinese: the address form without JavaScript, and an order a
shop cancelled part of and the shopper cancels the rest of."""

import pytest

from tests.browser.helpers import sign_in, staff_and_shopper

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
ZH = {"locale": "zh-CN", "extra_http_headers": {"Accept-Language": "zh-CN"}}


@pytest.fixture
def people(transactional_db):
    return staff_and_shopper()


def phone_page(browser, *, javascript=True):
    page = browser.new_context(viewport=PHONE, java_script_enabled=javascript, **ZH).new_page()
    page.set_default_timeout(15_000)
    return page


def test_without_javascript_the_province_button_shows_its_cities_with_the_form_empty(
    browser, live_server, people, screenshot
):
    page = phone_page(browser, javascript=False)
    sign_in(page, f"{live_server.url}/accounts/login/?next=/accounts/addresses/new/", "xiaohong")
    page.wait_for_url("**/accounts/addresses/new/")

    page.select_option("select[name=province]", "湖北省")
    page.get_by_role("button", name="显示该省的城市和区县").click()  # name, mobile: empty

    page.wait_for_load_state()
    cities = page.locator("select[name=city] option").all_inner_texts()
    assert "宜昌市" in cities and "武汉市" in cities
    assert page.locator("select[name=province]").input_value() == "湖北省"
    screenshot(page, "i16-address-form-no-javascript-cities-zh")

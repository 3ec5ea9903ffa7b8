"""On a phone, in Chinese: three boxes of eggs whose special price is limited to two per
shopper. The cart, checkout and the order show two at the special price and one at the
next best, and say why."""

from decimal import Decimal

import pytest

from orders.models import Order
from tests.browser.helpers import sign_in, staff_and_shopper, staff_and_shopper_pages
from tests.factories import ProductFactory, running_promotion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PORTIONS = "2 × ¥29.90 限购价 · 1 × ¥41.48"
NOTE = "限购2件，超出部分按¥41.48计"


@pytest.fixture
def eggs(transactional_db):
    staff_and_shopper()
    eggs = ProductFactory(
        name="土鸡蛋 30枚", name_en="Free-range eggs, 30", price=Decimal("51.85"), stock=50
    )
    running_promotion(eggs, kind="percent_off", value="20", name="五一特惠")
    running_promotion(
        eggs, kind="special_price", value="29.90", per_shopper_limit=2, name="每人限购两盒"
    )
    return eggs


def test_three_of_a_limit_of_two_show_both_prices_in_cart_checkout_and_order(
    browser, live_server, eggs, screenshot
):
    _staff, page = staff_and_shopper_pages(browser)
    sign_in(page, f"{live_server.url}/accounts/login/?next={eggs.get_absolute_url()}", "xiaohong")
    page.wait_for_selector(".add-to-cart input[name=quantity]")
    page.locator(".add-to-cart input[name=quantity]").fill("3")
    page.locator(".add-to-cart button").click()
    page.wait_for_selector("#cart-feedback .notice-ok")

    page.goto(f"{live_server.url}/cart/")
    item = page.locator(".cart-item").inner_text()
    assert PORTIONS in item and NOTE in item
    assert page.locator(".cart-total strong").inner_text() == "¥101.28"
    screenshot(page, "16-split-price-cart-phone-zh")

    page.locator(".cart-summary a.button").click()
    page.wait_for_url("**/checkout/")
    summary = page.locator(".checkout-summary").inner_text()
    assert PORTIONS in summary and NOTE in summary and "¥101.28" in summary
    screenshot(page, "16-split-price-checkout-phone-zh")

    page.locator("form.checkout-form button[type=submit]").click()
    page.wait_for_url("**/orders/HB*/")
    order = Order.objects.get()
    assert order.total == Decimal("101.28")
    assert f"{PORTIONS} = ¥101.28" in page.locator(".order-part").inner_text()
    screenshot(page, "16-split-price-order-phone-zh")

"""On a phone, a shopper picks Guangdong on a product page and sees its shipping fee,
then sees each shop's fee on the cart, and what is not delivered to Tibet."""

from decimal import Decimal

import pytest

from orders.shipping.provinces import Group
from tests.factories import ProductFactory
from tests.orders.shipping.helpers import freight_template

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_fee_to_the_province_picked_on_the_product_page_and_the_cart(
    browser, live_server, screenshot
):
    oranges = ProductFactory(name="秭归脐橙", price=Decimal("59.90"), net_weight_g=5000)
    freight_template(oranges.vendor)
    tea = ProductFactory(name="恩施玉露", price=Decimal("30.00"), net_weight_g=500)
    free = {"first_units": 1000, "first_fee": "0"}
    freight_template(tea.vendor, rates={g: free for g in (Group.HUBEI, Group.MAINLAND)})
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        extra_http_headers={"Accept-Language": "zh-CN"},
    )
    page = context.new_page()
    page.set_default_timeout(15_000)

    page.goto(live_server.url + oranges.get_absolute_url())
    line = page.locator(".shipping-line .shipping-fee")
    line.wait_for()
    assert line.inner_text() == "选择省份查看运费"
    page.select_option("#ship-to-product", "广东省")
    page.wait_for_function(
        "() => document.querySelector('.shipping-fee').innerText.startsWith('至 广东')"
    )
    assert line.inner_text() == "至 广东: 运费 ¥12.00 · 满 ¥99.00 包邮"
    screenshot(page, "19-product-shipping-line-phone-zh")

    page.reload()  # the cached page, the line from the cookie
    page.wait_for_selector(".shipping-fee:has-text('至 广东')")
    page.locator(".add-to-cart button").click()
    page.wait_for_selector("#cart-feedback .notice-ok")
    page.goto(live_server.url + tea.get_absolute_url())
    page.wait_for_selector(".shipping-fee:has-text('至 广东: 包邮')")
    page.locator(".add-to-cart button").click()
    page.wait_for_function(
        "() => document.querySelector('.cart-link .cart-count').innerText === '2'"
    )

    page.goto(live_server.url + "/cart/")
    fees = page.locator(".cart-shipping").all_inner_texts()
    assert fees == ["运费 ¥12.00 · 再买 ¥39.10 包邮", "包邮"]
    assert page.locator(".cart-total strong").inner_text() == "¥101.90"
    screenshot(page, "19-cart-shipping-fees-phone-zh")

    quantity = page.locator(f"#qty-{oranges.pk}")
    quantity.fill("2")
    # Leaving the field sends its one change (a dispatched event would leave the browser's
    # own change to fire later, when the province select takes the focus: a second update
    # of the cart racing the province's).
    quantity.blur()
    page.wait_for_function(
        "() => document.querySelector('.cart-total strong').innerText === '¥149.80'"
    )
    assert page.locator(".cart-shipping").all_inner_texts() == ["包邮", "包邮"]

    # The swapped cart's picker answers a change only once htmx has processed it (on a
    # busy machine a few frames after the new total shows).
    page.wait_for_function(
        "() => { const f = document.querySelector('#ship-to-cart').form;"
        " return f['htmx-internal-data'] && !document.querySelector('.htmx-settling'); }"
    )
    page.select_option("#ship-to-cart", "西藏自治区")
    page.wait_for_selector(".cart-item .error:has-text('不配送至 西藏')")
    assert page.locator(".cart-item .error").count() == 2
    screenshot(page, "19-cart-not-delivered-phone-zh")
    context.close()

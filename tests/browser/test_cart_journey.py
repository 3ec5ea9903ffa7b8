"""A shopper puts Zigui oranges and Qianjiang crayfish in the cart, on a phone."""

from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import Product
from catalog.promotions.pricing import price_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def zone(transactional_db):
    call_command("seed_demo", products=200, no_progress=True, stdout=StringIO())


def first_in_stock(county_slug, category_slug):
    return (
        Product.objects.visible()
        .filter(origin_county__slug=county_slug, category__slug=category_slug, stock__gt=5)
        .order_by("pk")
        .first()
    )


def test_two_vendors_products_in_one_cart(browser, live_server, zone, screenshot):
    oranges = first_in_stock("zigui", "citrus")
    crayfish = first_in_stock("qianjiang-city", "crayfish")
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        extra_http_headers={"Accept-Language": "zh-CN"},
    )
    page = context.new_page()
    page.set_default_timeout(15_000)

    page.goto(live_server.url + oranges.get_absolute_url())
    page.locator(".add-to-cart input[name=quantity]").fill("2")
    page.locator(".add-to-cart button").click()  # htmx: the page stays, the count updates
    page.wait_for_selector("#cart-feedback .notice-ok")
    assert page.locator(".cart-link .cart-count").inner_text() == "2"

    page.goto(live_server.url + crayfish.get_absolute_url())
    page.wait_for_selector(".cart-link .cart-count")
    page.locator(".add-to-cart button").click()
    page.wait_for_function(
        "() => document.querySelector('.cart-link .cart-count').innerText === '3'"
    )

    page.locator(".cart-link").click()
    page.wait_for_url("**/cart/")
    vendors = page.locator(".cart-vendor h2").all_inner_texts()
    assert vendors == [oranges.vendor.name, crayfish.vendor.name]
    # what the shopper pays now, promotions of the demo season included
    orange_price, crayfish_price = price_for(oranges), price_for(crayfish)
    expected_total = orange_price * 2 + crayfish_price
    assert page.locator(".cart-total strong").inner_text() == f"¥{expected_total:,.2f}"
    screenshot(page, "06-cart-two-vendors-phone-zh")

    page.locator(".cart-quantity input[name=quantity]").first.fill("1")
    page.locator(".cart-quantity input[name=quantity]").first.dispatch_event(
        "change"
    )  # htmx updates
    expected_total = orange_price + crayfish_price
    page.wait_for_function(
        "text => document.querySelector('.cart-total strong').innerText === text",
        arg=f"¥{expected_total:,.2f}",
    )

    # check out: sign up on the way, add an address, place the order
    page.locator(".cart-summary a.button").click()
    page.wait_for_url("**/accounts/login/?next=/checkout/")
    page.locator("a[href^='/accounts/sign-up/']").click()
    page.fill("input[name=username]", "xiaoming")
    page.fill("input[name=email]", "xm@example.cn")
    page.fill("input[name=password1]", "a-long-passphrase-2020")
    page.fill("input[name=password2]", "a-long-passphrase-2020")
    page.locator("form.stacked-form button[type=submit]").click()
    page.wait_for_url("**/checkout/")
    page.locator("fieldset a.button").click()  # add a delivery address
    page.fill("input[name=recipient]", "张小明")
    page.fill("input[name=mobile]", "138 1234 5678")
    page.select_option("select[name=province]", "湖北省")  # htmx brings Hubei's cities
    page.wait_for_selector("select[name=city] option[value=武汉市]", state="attached")
    page.select_option("select[name=city]", "武汉市")  # ...then Wuhan's districts
    page.wait_for_selector("select[name=district] option[value=江汉区]", state="attached")
    page.select_option("select[name=district]", "江汉区")
    page.fill("input[name=street]", "解放大道 1 号")
    screenshot(page, "06b-address-selects-phone-zh")
    page.locator("form.stacked-form button[type=submit]").click()
    page.wait_for_url("**/checkout/")
    screenshot(page, "07-checkout-phone-zh")
    page.locator("form.checkout-form button[type=submit]").click()

    page.wait_for_url("**/orders/HB*/")
    assert page.locator(".order-part").count() == 2
    parts = " ".join(page.locator(".order-part h2").all_inner_texts())
    assert oranges.vendor.name in parts and crayfish.vendor.name in parts
    assert parts.count("待发货") == 2  # awaiting shipment, each part on its own
    screenshot(page, "08-order-placed-phone-zh")

    # The confirmation went out on commit: the header counts it until the inbox is opened.
    page.wait_for_function(
        "() => document.querySelector('.inbox-link .cart-count')?.textContent.trim() === '1'"
    )
    with page.expect_response(lambda r: "/accounts/inbox/link/" in r.url):
        page.locator(".inbox-link").click()  # the inbox, then its header's count
    page.wait_for_url("**/accounts/inbox/")
    assert page.locator(".inbox-message .badge-new").count() == 1
    assert "已提交" in page.locator(".inbox-message strong").first.inner_text()
    page.wait_for_load_state("networkidle")
    assert page.locator(".inbox-link").inner_text().strip() == "消息"  # read now: no count
    screenshot(page, "08b-inbox-new-message-phone-zh")
    context.close()

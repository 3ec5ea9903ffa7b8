"""A shopper opens the Qianjiang crayfish stream on a phone, buys at the stream price, and
sees the stream's sales counter move."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from catalog.models import County
from demo import catalog as seed
from orders.models import OrderLine
from tests.browser.helpers import PASSWORD
from tests.factories import (
    AddressFactory,
    FeaturedProductFactory,
    LiveStreamFactory,
    ProductFactory,
    image_bytes,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stream(transactional_db):
    seed.seed_reference_data()
    shopper = get_user_model().objects.create_user("xiaohong", password=PASSWORD)
    AddressFactory(
        user=shopper, recipient="王小红", district="洪山区", street="珞喻路 1 号", is_default=True
    )
    now = timezone.now()
    live = LiveStreamFactory(
        slug="qianjiang-live",
        host_name="潜江市副市长",
        host_title="潜江市人民政府副市长",
        county=County.objects.get(slug="qianjiang-city"),
        scheduled_start=now - timedelta(minutes=30),
        scheduled_end=now + timedelta(hours=2),
        stream_url="about:blank",
    )
    crayfish = ProductFactory(
        name="潜江油焖大虾 2斤", price=Decimal("98.00"), stock=40, net_weight_g=1000
    )
    FeaturedProductFactory(stream=live, product=crayfish, stream_price=Decimal("79.00"))
    return live, crayfish


def test_buy_from_a_live_stream_and_see_its_sales_move(browser, live_server, stream, screenshot):
    live, crayfish = stream
    page = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        extra_http_headers={"Accept-Language": "zh-CN"},
    ).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/?next=/live/{live.slug}/")
    page.fill("input[name=username]", "xiaohong")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/live/{live.slug}/")

    page.wait_for_selector("[data-counter=orders]")
    assert page.locator("[data-counter=orders]").inner_text() == "0"
    assert page.locator("[data-counter=watching]").inner_text() == "1"
    assert "¥79.00" in page.locator(".stream-products").inner_text()
    screenshot(page, "20-live-stream-phone-zh")

    page.locator(".stream-products .add-to-cart input[name=quantity]").fill("2")
    page.locator(".stream-products .add-to-cart button:not(.buy-now)").click()
    page.wait_for_selector(".stream-products .notice-ok")
    page.goto(f"{live_server.url}/checkout/")
    assert "¥158.00" in page.locator("main").inner_text()
    page.locator("form.checkout-form button[type=submit]").click()
    page.wait_for_url("**/orders/HB*/")

    page.goto(live_server.url + live.get_absolute_url())
    page.wait_for_function(
        "() => document.querySelector('[data-counter=orders]')?.textContent.trim() === '1'",
        timeout=20_000,
    )
    assert "2 千克" in page.locator("[data-counter=weight]").inner_text()
    screenshot(page, "21-live-stream-sold-phone-zh")
    line = OrderLine.objects.get()
    assert (line.unit_price, line.channel) == (Decimal("79.00"), live.channel)


def test_buy_now_checks_out_that_item_at_the_stream_price_and_keeps_the_cart(
    browser, live_server, stream, screenshot
):
    live, crayfish = stream
    tea = ProductFactory(name="恩施玉露 250克", price=Decimal("120.00"), stock=10)
    page = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        extra_http_headers={"Accept-Language": "zh-CN"},
    ).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/?next={tea.get_absolute_url()}")
    page.fill("input[name=username]", "xiaohong")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{tea.get_absolute_url()}")
    page.locator("form.add-to-cart input[name=quantity]").fill("2")
    page.locator("form.add-to-cart button").click()
    page.wait_for_selector("#cart-feedback .notice-ok")

    page.goto(live_server.url + live.get_absolute_url())
    page.locator(".stream-products .add-to-cart input[name=quantity]").fill("2")
    page.get_by_role("button", name="立即购买").click()
    page.wait_for_url("**/checkout/now/*/")
    summary = page.locator(".checkout-summary").inner_text()
    assert "潜江油焖大虾 2斤" in summary and "¥79.00 × 2" in summary and "直播价" in summary
    assert "¥158.00" in summary and "恩施玉露" not in summary
    screenshot(page, "22-live-stream-buy-now-checkout-phone-zh")
    page.locator("form.checkout-form button[type=submit]").click()
    page.wait_for_url("**/orders/HB*/")

    page.goto(f"{live_server.url}/cart/")
    cart = page.locator("main").inner_text()
    assert "恩施玉露 250克" in cart and "潜江油焖大虾" not in cart
    assert page.locator("input[name=quantity]").input_value() == "2"
    screenshot(page, "23-cart-kept-after-buy-now-phone-zh")
    line = OrderLine.objects.get()
    assert (line.product_name, line.quantity, line.unit_price, line.channel) == (
        "潜江油焖大虾 2斤",
        2,
        Decimal("79.00"),
        live.channel,
    )


def test_a_live_stream_without_its_address_shows_it_is_starting(
    browser, live_server, stream, screenshot
):
    live, _crayfish = stream
    live.stream_url = ""
    live.cover.save("cover.jpg", ContentFile(image_bytes(size=(640, 360))), save=True)
    page = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        extra_http_headers={"Accept-Language": "zh-CN"},
    ).new_page()
    page.goto(live_server.url + live.get_absolute_url())

    main = page.locator("main").inner_text()
    assert "直播即将开始" in main
    assert "本场直播已结束" not in main and "直播中" not in main
    assert page.locator(".stream-starting img.stream-cover").evaluate("i => i.naturalWidth") == 640
    screenshot(page, "24-live-stream-starting-phone-zh")

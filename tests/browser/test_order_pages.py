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


REASON = "霜冻，茶园减产，无法发货"


def test_a_shop_cancels_its_part_and_the_shopper_cancels_the_rest_after_saying_yes(
    browser, live_server, people, screenshot
):
    import uuid

    from django.contrib.auth import get_user_model

    from orders import services
    from orders.models import Cart, Order, OrderPart
    from tests.browser.helpers import PASSWORD
    from tests.factories import ProductFactory, make_shop

    _staff, shopper = people
    owner, tea_shop = make_shop(get_user_model(), name="enshi")
    owner.set_password(PASSWORD)
    owner.save()
    cart = Cart.objects.create(user=shopper)
    services.add_to_cart(cart, ProductFactory(vendor=tea_shop, name="恩施玉露", stock=9), 2)
    services.add_to_cart(cart, ProductFactory(name="潜江小龙虾", stock=9), 1)
    order = services.place_order(
        cart,
        shopper=shopper,
        address=shopper.addresses.get(),
        payment_method=Order.PaymentMethod.BANK_TRANSFER,
        idempotency_key=uuid.uuid4().hex,
    )
    part = order.parts.get(vendor=tea_shop)
    base = live_server.url

    # The shop cannot ship its tea: it gives the reason and must tick the box to confirm.
    vendor = browser.new_context(viewport={"width": 1280, "height": 900}, **ZH).new_page()
    vendor.set_default_timeout(15_000)
    sign_in(vendor, f"{base}/accounts/login/?next=/vendor/orders/{part.pk}/", "enshi-owner")
    vendor.locator("summary", has_text="无法发货？").click()
    vendor.fill("textarea[name=reason]", REASON)
    vendor.get_by_role("button", name="取消这部分").click()
    vendor.wait_for_selector("text=请勾选以确认取消。")
    assert OrderPart.objects.get(pk=part.pk).status == OrderPart.Status.PENDING
    vendor.get_by_label("确定取消这部分订单，取消后无法恢复。").check()
    vendor.get_by_role("button", name="取消这部分").click()
    vendor.wait_for_selector(".message-success")
    screenshot(vendor, "i16-vendor-part-cancelled-zh")

    # The shopper, on a phone, reads why on that part, next to a badge that is not green.
    page = phone_page(browser)
    sign_in(page, f"{base}/accounts/login/?next=/orders/{order.number}/", "xiaohong")
    tea = page.locator(".order-part", has_text="恩施玉露")
    assert tea.locator(".part-cancelled").inner_text() == f"商家已取消：{REASON}"
    badge = tea.locator(".badge")
    assert badge.inner_text() == "已取消"
    assert badge.evaluate("el => getComputedStyle(el).color") == "rgb(201, 42, 42)"
    assert page.get_by_text(f"转账时请备注订单号 {order.number}").is_visible()
    assert page.get_by_role("button", name="复制").first.is_visible()  # JavaScript on
    screenshot(page, "i16-order-part-cancelled-by-the-shop-zh")

    # Cancelling the rest asks first.
    page.get_by_role("link", name="取消订单").click()
    page.wait_for_url(f"**/orders/{order.number}/cancel/")
    assert page.locator("h1").inner_text() == f"确定取消订单 {order.number}？"
    screenshot(page, "i16-order-cancel-question-zh")
    assert Order.objects.get(pk=order.pk).status == Order.Status.PLACED
    page.get_by_role("button", name="确定取消订单").click()
    page.wait_for_url(f"**/orders/{order.number}/")

    assert page.locator(".message").count() == 1
    status = page.locator(".facts .badge")
    assert status.inner_text() == "已取消"
    assert status.evaluate("el => getComputedStyle(el).color") == "rgb(201, 42, 42)"
    assert page.locator(".bank-transfer").count() == 0  # nothing to pay any more
    screenshot(page, "i16-order-cancelled-zh")
    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED

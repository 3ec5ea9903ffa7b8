"""A shopper pays an online order in Chromium, through the sandbox gateways the live
server serves: on a phone (Alipay wap, WeChat Pay H5, in Chinese) and on a computer
(WeChat Pay by QR code scanned with a second, phone context; Alipay page pay, cancelled
once and resumed from the order page), in English. The order is paid by the sandbox's
signed notification to notify_url, never by what the browser brings back."""

from decimal import Decimal

import pytest

from orders.models import Order
from payments.models import Payment
from tests.browser.helpers import PHONE, sign_in, staff_and_shopper
from tests.browser.test_csp import watched_context
from tests.factories import ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
CHROME_DESKTOP = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)


@pytest.fixture
def shopper(sandbox_site):
    _staff, shopper = staff_and_shopper()
    return shopper


@pytest.fixture
def tea(shopper):
    return ProductFactory(name="恩施玉露", name_en="Enshi Yulu green tea", price=Decimal("88.00"))


@pytest.fixture
def csp_violations():
    """Every Content-Security-Policy violation the journey's pages report: none, the
    store's and the sandbox's pages alike (no inline script or style)."""
    violations = []
    yield violations
    assert violations == []


def new_page(browser, violations, *, phone, locale):
    """A page in a fresh context: a phone (its screen and User-Agent, so the store picks
    the gateway's mobile page) or a computer, asking the site for `locale`; its CSP
    violations go into `violations`."""
    return watched_context(
        browser,
        violations,
        viewport=PHONE if phone else DESKTOP,
        user_agent=IPHONE if phone else CHROME_DESKTOP,
        is_mobile=phone,
        has_touch=phone,
        locale=locale,
        extra_http_headers={"Accept-Language": locale},
    )


def buy(page, live_server, product, payment_method):
    """Sign in on the product's page, put it in the cart, check out paying with
    `payment_method`; the store sends the shopper on to the cashier."""
    sign_in(
        page, f"{live_server.url}/accounts/login/?next={product.get_absolute_url()}", "xiaohong"
    )
    page.wait_for_url(f"**{product.get_absolute_url()}")
    page.locator(".add-to-cart button").click()
    page.wait_for_selector("#cart-feedback .notice-ok")
    page.goto(f"{live_server.url}/checkout/")
    page.locator(f"input[name=payment_method][value={payment_method}]").check()
    page.locator("form.checkout-form button[type=submit]").click()
    page.wait_for_url("**/pay/HB*/")
    return Order.objects.get(shopper__username="xiaohong")


def fits_the_screen(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_on_a_phone_the_shopper_pays_with_alipay(
    browser, sandbox_site, tea, screenshot, csp_violations
):
    page = new_page(browser, csp_violations, phone=True, locale="zh-CN")
    order = buy(page, sandbox_site, tea, "alipay")

    # 收银台: the amount, the time left, Alipay chosen, 去支付.
    assert page.locator("h1").inner_text() == "收银台"
    assert f"¥{order.total_due:,.2f}" in page.locator(".cashier-amount").inner_text()
    assert page.locator(".cashier-deadline .countdown").is_visible()
    assert page.locator(".pay-choice input[value=alipay]").is_checked()
    assert page.get_by_text("订单已提交，请尽快付款").is_visible()
    fits_the_screen(page)
    screenshot(page, "i18-cashier-alipay-phone-zh")
    page.get_by_role("button", name="去支付").click()

    # The sandbox's Alipay cashier (wap): the amount, the merchant, our trade number.
    page.wait_for_url("**/sandbox-gateway/alipay/cashier/**")
    payment = Payment.objects.get(order=order)
    assert payment.scene == "alipay_wap"
    assert page.locator(".cashier-amount").inner_text() == f"¥{order.total_due:.2f}"
    facts = page.locator(".cashier-facts").inner_text()
    assert payment.trade_number in facts and "商户" in facts
    fits_the_screen(page)
    screenshot(page, "i18-sandbox-alipay-wap-phone")
    page.get_by_role("button", name="确认付款").click()

    # Back in the store: the sandbox's notification has already paid the order.
    page.wait_for_url(f"**/orders/{order.number}/")
    assert page.locator(".message-success").inner_text() == "已收到付款，商家正在为你备货。"
    assert page.locator(".facts .badge").inner_text() == "已确认"
    assert page.locator(".pay-now").count() == 0
    screenshot(page, "i18-order-paid-alipay-phone-zh")
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED
    assert payment.state == Payment.State.PAID


def test_on_a_phone_the_shopper_pays_with_wechat_pay_h5(
    browser, sandbox_site, tea, screenshot, csp_violations
):
    page = new_page(browser, csp_violations, phone=True, locale="zh-CN")
    order = buy(page, sandbox_site, tea, "wechat_pay")

    assert page.locator(".pay-choice input[value=wechat_pay]").is_checked()
    screenshot(page, "i18-cashier-wechat-phone-zh")

    # The order page waits for the payment too: 待付款, the time left, 去支付.
    page.locator(".breadcrumbs a").click()
    page.wait_for_url(f"**/orders/{order.number}/")
    block = page.locator(".pay-now")
    assert block.locator("h2").inner_text() == "待付款"
    assert block.locator(".countdown").is_visible()
    fits_the_screen(page)
    screenshot(page, "i18-order-awaiting-payment-phone-zh")
    block.get_by_role("link", name="去支付").click()
    page.wait_for_url(f"**/pay/{order.number}/")
    page.get_by_role("button", name="去支付").click()

    page.wait_for_url("**/sandbox-gateway/wechat/h5/**")
    payment = Payment.objects.get(order=order)
    assert payment.scene == "wechat_h5"
    assert page.locator(".wx-amount").inner_text() == f"¥{order.total_due:.2f}"
    assert payment.trade_number in page.locator(".wx-details").inner_text()
    assert "商户号" in page.locator(".wx-merchant").inner_text()
    fits_the_screen(page)
    screenshot(page, "i18-sandbox-wechat-h5-phone")
    page.get_by_role("button", name="确认支付").click()

    page.wait_for_url(f"**/orders/{order.number}/")
    assert page.locator(".message-success").inner_text() == "已收到付款，商家正在为你备货。"
    assert page.locator(".facts .badge").inner_text() == "已确认"
    screenshot(page, "i18-order-paid-wechat-phone-zh")
    assert Order.objects.get(pk=order.pk).status == Order.Status.CONFIRMED


def test_on_a_computer_the_shopper_scans_the_wechat_code_with_the_phone(
    browser, sandbox_site, tea, screenshot, csp_violations
):
    page = new_page(browser, csp_violations, phone=False, locale="en-US")
    order = buy(page, sandbox_site, tea, "wechat_pay")
    page.get_by_role("button", name="Pay now").click()

    # The QR page: the code, the amount; it polls the store for the payment.
    page.wait_for_url(f"**/pay/{order.number}/qr/")
    code = page.locator("img.qr-code")
    code.wait_for()
    assert page.locator("h1").inner_text() == "Scan to pay with WeChat"
    assert code.evaluate("img => img.complete && img.naturalWidth > 0")
    assert f"¥{order.total_due:,.2f}" in page.locator(".cashier-amount").inner_text()
    code_url = code.get_attribute("data-code")
    assert code_url == Payment.objects.get(order=order).qr_text
    screenshot(page, "i18-qr-wechat-desktop-en")

    # The phone opens what the code says, and pays there.
    phone = new_page(browser, csp_violations, phone=True, locale="zh-CN")
    phone.goto(code_url)
    assert phone.locator(".wx-amount").inner_text() == f"¥{order.total_due:.2f}"
    phone.get_by_role("button", name="确认支付").click()
    phone.wait_for_selector(".wx-paid")
    screenshot(phone, "i18-sandbox-wechat-scan-paid-phone")

    # The computer's page moves on by itself (htmx polling).
    page.wait_for_url(f"**/orders/{order.number}/")
    assert page.locator(".message-success").inner_text() == (
        "Payment received. The shops are preparing your order."
    )
    assert page.locator(".facts .badge").inner_text() == "Confirmed"
    screenshot(page, "i18-order-paid-wechat-desktop-en")
    payment = Payment.objects.get(order=order)
    assert (payment.scene, payment.state) == ("wechat_native", Payment.State.PAID)


def test_on_a_computer_a_cancelled_alipay_payment_is_resumed_from_the_order_page(
    browser, sandbox_site, tea, screenshot, csp_violations
):
    page = new_page(browser, csp_violations, phone=False, locale="en-US")
    order = buy(page, sandbox_site, tea, "alipay")
    screenshot(page, "i18-cashier-alipay-desktop-en")
    page.get_by_role("button", name="Pay now").click()

    # Alipay's page pay; the shopper cancels and comes back unpaid.
    page.wait_for_url("**/sandbox-gateway/alipay/cashier/**")
    assert Payment.objects.get(order=order).scene == "alipay_page"
    screenshot(page, "i18-sandbox-alipay-page-desktop")
    page.get_by_role("button", name="取消 Cancel").click()

    page.wait_for_url(f"**/pay/{order.number}/return/**")
    assert page.locator("h1").inner_text() == "Payment processing"
    screenshot(page, "i18-payment-processing-desktop-en")
    assert Order.objects.get(pk=order.pk).status == Order.Status.PLACED

    # The order page: awaiting payment, the time left, Pay now.
    page.get_by_role("link", name="See the order").click()
    page.wait_for_url(f"**/orders/{order.number}/")
    block = page.locator(".pay-now")
    assert "Awaiting payment" in block.inner_text()
    assert block.locator(".countdown").is_visible()
    screenshot(page, "i18-order-awaiting-payment-desktop-en")
    block.get_by_role("link", name="Pay now").click()

    page.wait_for_url(f"**/pay/{order.number}/")
    page.get_by_role("button", name="Pay now").click()
    page.wait_for_url("**/sandbox-gateway/alipay/cashier/**")
    page.get_by_role("button", name="确认付款 Pay").click()

    page.wait_for_url(f"**/orders/{order.number}/")
    assert page.locator(".message-success").is_visible()
    assert page.locator(".facts .badge").inner_text() == "Confirmed"
    assert Order.objects.get(pk=order.pk).status == Order.Status.CONFIRMED
    assert Payment.objects.filter(order=order, state=Payment.State.PAID).count() == 1

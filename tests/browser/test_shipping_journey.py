"""Issue #19's journey on a phone: a shopper in Guangzhou sees the fee to Guangdong on a
product page, fills a cart from two shops (one under its free-shipping threshold, one
over it), checks out paying the courier, and confirms receipt of each parcel once its
shop has shipped it (the co-op from its dashboard, on a computer, in English). The
amounts on every page are the ones stored on the order."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from demo import catalog as seed
from orders.models import Order, OrderPart
from orders.services.lifecycle import ship_part
from orders.shipping.provinces import Group
from tests.browser.helpers import PASSWORD, PHONE, sign_in
from tests.browser.test_csp import watched_context
from tests.browser.test_payment_journey import fits_the_screen
from tests.factories import AddressFactory, ProductFactory, VendorMemberFactory
from tests.orders.shipping.helpers import freight_template

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SF_TRACKING = "SF1400987654321"


@pytest.fixture
def store(transactional_db):
    """Shop A, an orange co-op: ¥10 for the first kg to the mainland, ¥4 per further kg,
    free from ¥99; shop B, a tea shop: ¥8 to the mainland, free from ¥50. A shopper whose
    default address is in Guangzhou, and the co-op's owner."""
    seed.seed_reference_data()
    User = get_user_model()
    shopper = User.objects.create_user("xiaohong", email="xh@example.cn", password=PASSWORD)
    AddressFactory(
        user=shopper,
        recipient="王小红",
        province="广东省",
        city="广州市",
        district="天河区",
        street="天河路 385 号",
        is_default=True,
    )
    oranges = ProductFactory(
        name="秭归脐橙 5斤装",
        name_en="Zigui navel oranges",
        vendor__name="秭归橙香果业合作社",
        vendor__name_en="Zigui Orange Fragrance Co-op",
        price=Decimal("39.90"),
        net_weight_g=2500,
        pack_size="2.5 公斤箱",
        stock=20,
    )
    near = {"first_units": 1000, "first_fee": "6", "extra_fee": "2", "free_over": "59"}
    mainland = {"first_units": 1000, "first_fee": "10", "extra_fee": "4", "free_over": "99"}
    freight_template(
        oranges.vendor, rates={Group.HUBEI: near, Group.NEIGHBOURS: near, Group.MAINLAND: mainland}
    )
    tea = ProductFactory(
        name="恩施玉露 250克",
        name_en="Enshi Yulu green tea",
        vendor__name="恩施硒茶坊",
        vendor__name_en="Enshi Selenium Tea House",
        price=Decimal("68.00"),
        net_weight_g=250,
        pack_size="250 克罐",
        stock=20,
    )
    tea_rate = {"first_units": 1000, "first_fee": "8", "extra_fee": "2", "free_over": "50"}
    freight_template(tea.vendor, rates={Group.HUBEI: tea_rate, Group.MAINLAND: tea_rate})
    owner = User.objects.create_user("liming", email="liming@example.cn", password=PASSWORD)
    VendorMemberFactory(vendor=oranges.vendor, user=owner)
    return shopper, oranges, tea


@pytest.fixture
def csp_violations():
    violations = []
    yield violations
    assert violations == []


def texts(page, selector):
    return [" ".join(text.split()) for text in page.locator(selector).all_inner_texts()]


def test_fees_to_guangdong_from_product_page_to_confirmed_receipt(
    browser, live_server, store, screenshot, csp_violations
):
    _shopper, oranges, tea = store
    base = live_server.url
    phone = watched_context(
        browser,
        csp_violations,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        extra_http_headers={"Accept-Language": "zh-CN"},
    )

    # 1. Signed in, the product page quotes the fee to the default address's province:
    #    2.5 kg = ¥10 for the first kg + 2 further kg begun at ¥4.
    sign_in(phone, f"{base}/accounts/login/?next={oranges.get_absolute_url()}", "xiaohong")
    phone.wait_for_url(f"**{oranges.get_absolute_url()}")
    line = phone.locator(".shipping-line .shipping-fee")
    line.wait_for()
    assert line.inner_text() == "至 广东: 运费 ¥18.00 · 满 ¥99.00 包邮"
    assert phone.locator("#ship-to-product").input_value() == "广东省"
    fits_the_screen(phone)
    screenshot(phone, "i19-product-fee-to-guangdong-phone-zh")
    phone.locator(".add-to-cart button").click()
    phone.wait_for_selector("#cart-feedback .notice-ok")

    phone.goto(base + tea.get_absolute_url())
    phone.wait_for_selector(".shipping-fee:has-text('至 广东')")
    assert line.inner_text() == "至 广东: 包邮"  # ¥68 is over the tea shop's ¥50
    phone.locator(".add-to-cart button").click()
    phone.wait_for_function(
        "() => document.querySelector('.cart-link .cart-count').innerText === '2'"
    )

    # 2. The cart: the co-op's fee and what is missing for free shipping (¥99 − ¥39.90),
    #    the tea shop's threshold met, the total with shipping.
    phone.goto(f"{base}/cart/")
    assert phone.locator("#ship-to-cart").input_value() == "广东省"
    assert texts(phone, ".cart-vendor h2") == ["秭归橙香果业合作社", "恩施硒茶坊"]
    assert texts(phone, ".cart-shipping") == ["运费 ¥18.00 · 再买 ¥59.10 包邮", "包邮"]
    assert texts(phone, ".cart-goods") == ["商品 ¥107.90 · 运费 ¥18.00"]
    assert phone.locator(".cart-total strong").inner_text() == "¥125.90"
    fits_the_screen(phone)
    screenshot(phone, "i19-cart-two-shops-phone-zh")

    # 3. The checkout, to the Guangzhou address: the same fees; cash on delivery.
    phone.locator(".cart-summary a.button").click()
    phone.wait_for_url("**/checkout/")
    assert texts(phone, ".checkout-shipping") == ["运费 ¥18.00 · 再买 ¥59.10 包邮", "包邮"]
    assert texts(phone, ".checkout-breakdown") == ["商品 ¥107.90 · 运费 ¥18.00 （至 广东）"]
    assert phone.locator("[data-total=grand]").inner_text() == "¥125.90"
    fits_the_screen(phone)
    screenshot(phone, "i19-checkout-fees-phone-zh")
    phone.locator("input[name=payment_method][value=cod]").check()
    phone.locator("form.checkout-form button[type=submit]").click()
    phone.wait_for_url("**/orders/HB*/")

    order = Order.objects.get(shopper__username="xiaohong")
    part_a = order.parts.get(vendor=oranges.vendor)
    part_b = order.parts.get(vendor=tea.vendor)
    assert (part_a.subtotal, part_a.shipping_fee) == (Decimal("39.90"), Decimal("18.00"))
    assert (part_b.subtotal, part_b.shipping_fee) == (Decimal("68.00"), Decimal("0.00"))
    assert order.shipping_fee == Decimal("18.00")
    assert order.total == order.total_due == Decimal("125.90")
    assert order.status == Order.Status.CONFIRMED

    # The order page lists the fees and the total.
    assert phone.locator(".order-shipping").inner_text() == "¥18.00"
    assert "¥125.90" in phone.locator(".facts strong").first.inner_text()
    # (the parts in the order of their shops' names: the tea shop's first)
    oranges_part = phone.locator(".order-part:has(h2:has-text('秭归橙香果业合作社'))")
    tea_part = phone.locator(".order-part:has(h2:has-text('恩施硒茶坊'))")
    assert oranges_part.locator(".part-shipping").inner_text() == "运费 ¥18.00"
    assert tea_part.locator(".part-shipping").inner_text() == "包邮"
    fits_the_screen(phone)
    screenshot(phone, "i19-order-placed-fees-phone-zh")

    # 4. The co-op ships its part from its dashboard (a computer, in English).
    desk = watched_context(
        browser,
        csp_violations,
        viewport={"width": 1280, "height": 900},
        locale="en-US",
        extra_http_headers={"Accept-Language": "en"},
    )
    sign_in(desk, f"{base}/accounts/login/?next=/vendor/orders/{part_a.pk}/", "liming")
    desk.wait_for_url(f"**/vendor/orders/{part_a.pk}/")
    assert "Shipping ¥18.00" in desk.locator(".cart-vendor").inner_text()
    desk.select_option("select[name=carrier]", "sf")
    desk.fill("input[name=tracking_number]", SF_TRACKING)
    screenshot(desk, "i19-vendor-ships-desktop-en")
    desk.locator("form.ship-form button[type=submit]").click()
    desk.wait_for_selector("text=Marked as shipped")
    assert SF_TRACKING in desk.locator(".part-tracking").inner_text()
    screenshot(desk, "i19-vendor-shipped-desktop-en")
    part_a.refresh_from_db()
    assert part_a.status == OrderPart.Status.SHIPPED
    assert part_a.carrier == "sf"
    assert part_a.auto_confirm_at - part_a.shipped_at == timedelta(days=10)
    # The tea shop ships too (its dashboard is the same page: the service is enough here).
    ship_part(part_b, carrier="zto", tracking_number="ZT7300112233", by=None)

    # The shopper's order page: each part's timeline, the carrier's tracking page, the
    # day receipt is confirmed by itself.
    phone.reload()
    part = oranges_part
    auto = timezone.localtime(part_a.auto_confirm_at).strftime("%Y-%m-%d %H:%M")
    assert part.locator(".part-receipt .muted").inner_text() == f"将于 {auto} 自动确认收货。"
    tracking = part.locator(".part-tracking")
    assert tracking.inner_text() == f"已由顺丰速运发货，运单号 {SF_TRACKING}。 查看物流"
    link = f"https://www.sf-express.com/chn/sc/waybill/waybill-detail/{SF_TRACKING}"
    assert tracking.locator("a.tracking-link").get_attribute("href") == link
    steps = [step.split(" ", 2)[2] for step in texts(part, ".part-timeline li")]
    assert steps == ["已下单", "已确认", f"已发货 · 顺丰速运 {SF_TRACKING}"]
    assert part.locator(".part-timeline a").get_attribute("href") == link
    fits_the_screen(phone)
    screenshot(phone, "i19-order-shipped-timeline-phone-zh")

    # 5. The oranges arrived: 确认收货, asked first, then yes.
    part.locator("a.receive-button").click()
    phone.wait_for_selector("text=确认收货？")
    assert "¥57.90" in phone.locator(".refund-note").inner_text()  # the part with its fee
    fits_the_screen(phone)
    screenshot(phone, "i19-confirm-receipt-phone-zh")
    phone.get_by_role("button", name="是的，我已收到").click()
    phone.wait_for_selector("text=已确认收货，谢谢！")
    assert oranges_part.locator(".badge").inner_text() == "已收货"
    assert oranges_part.locator("a.receive-button").count() == 0
    assert oranges_part.locator(".part-timeline li").last.inner_text().endswith("已收货")
    assert tea_part.locator(".badge").inner_text() == "已发货"
    assert phone.locator(".facts .badge").inner_text() == "已确认"
    screenshot(phone, "i19-part-received-phone-zh")
    part_a.refresh_from_db()
    assert part_a.status == OrderPart.Status.DELIVERED and part_a.delivered_at
    assert Order.objects.get(pk=order.pk).status == Order.Status.CONFIRMED

    # The tea arrives too: every part received, the order is completed.
    tea_part.locator("a.receive-button").click()
    phone.get_by_role("button", name="是的，我已收到").click()
    phone.wait_for_selector("text=已确认收货，谢谢！")
    assert texts(phone, ".order-part .badge") == ["已收货", "已收货"]
    assert phone.locator(".facts .badge").inner_text() == "已完成"
    assert phone.locator("a.receive-button").count() == 0
    fits_the_screen(phone)
    screenshot(phone, "i19-order-completed-phone-zh")
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert order.total == Decimal("125.90")

"""A Zigui co-operative joins the zone, lists blood oranges, sells a box and ships it."""

import pytest
from django.contrib.auth import get_user_model
from PIL import Image

from demo import catalog as seed
from tests.browser.helpers import PASSWORD, sign_in
from tests.factories import AddressFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(transactional_db):
    seed.seed_reference_data()  # transactional tests start from an empty database
    User = get_user_model()
    User.objects.create_user("staff", password=PASSWORD, is_staff=True, is_superuser=True)
    User.objects.create_user("liming", email="liming@example.cn", password=PASSWORD)
    shopper = User.objects.create_user("xiaohong", email="xh@example.cn", password=PASSWORD)
    AddressFactory(
        user=shopper, recipient="王小红", district="洪山区", street="珞喻路 1 号", is_default=True
    )


def photo(tmp_path, name, color):
    path = tmp_path / name
    Image.new("RGB", (800, 600), color).save(path, "JPEG")
    return str(path)


def test_apply_approve_list_sell_ship(browser, live_server, people, screenshot, tmp_path):
    base = live_server.url
    desktop = {"viewport": {"width": 1280, "height": 900}}
    zh = {"locale": "zh-CN", "extra_http_headers": {"Accept-Language": "zh-CN"}}
    vendor = browser.new_context(**desktop, **zh).new_page()
    staff = browser.new_context(
        **desktop, locale="en-US", extra_http_headers={"Accept-Language": "en"}
    ).new_page()
    shopper = browser.new_context(viewport={"width": 390, "height": 844}, **zh).new_page()
    for page in (vendor, staff, shopper):
        page.set_default_timeout(15_000)

    # 1. Li Ming applies for a shop for his co-operative.
    sign_in(vendor, f"{base}/accounts/login/?next=/vendor/", "liming")
    vendor.wait_for_url("**/vendor/apply/")
    vendor.fill("input[name=name]", "秭归橙香果业合作社")
    vendor.fill("input[name=name_en]", "Zigui Orange Fragrance Co-op")
    vendor.select_option("select[name=kind]", "cooperative")
    vendor.select_option("select[name=county]", label="宜昌市 · 秭归县")
    vendor.fill("input[name=contact_name]", "李明")
    vendor.fill("input[name=contact_phone]", "139 1234 5678")
    vendor.fill("input[name=licence_number]", "91420527MA4F0Y1X2K")
    vendor.fill("textarea[name=description]", "秭归县茅坪镇的脐橙与血橙种植合作社。")
    vendor.set_input_files("input[name=photo]", photo(tmp_path, "shop.jpg", (240, 140, 30)))
    vendor.locator("form.stacked-form button[type=submit]").click()
    vendor.wait_for_selector("text=待审核")
    screenshot(vendor, "09-vendor-application-pending-zh")

    # 2. Staff approve it in the admin.
    sign_in(
        staff, f"{base}/admin/login/?next=/admin/catalog/vendor/%3Fstatus__exact%3Dpending", "staff"
    )
    staff.wait_for_selector("#result_list")
    staff.locator("input[name=_selected_action]").first.check()
    staff.select_option("select[name=action]", "approve")
    staff.locator("button[name=index]").click()
    staff.wait_for_selector("text=1 vendor approved.")
    screenshot(staff, "10-admin-vendor-approved")

    # 3. The new owner lists blood oranges with two photos and publishes them.
    vendor.goto(f"{base}/vendor/products/new/")
    vendor.fill("input[name=name]", "秭归血橙 5斤装")
    vendor.fill("input[name=name_en]", "Zigui blood oranges, 2.5 kg")
    vendor.select_option("select[name=category]", label="脐橙柑橘")
    vendor.fill("input[name=price]", "49.90")
    vendor.fill("input[name=pack_size]", "2.5 公斤箱")
    vendor.fill("input[name=net_weight_g]", "2500")
    vendor.fill("input[name=stock]", "30")
    vendor.fill("textarea[name=description]", "果肉紫红，酸甜多汁。")
    vendor.set_input_files(
        "input[name=photos]",
        [photo(tmp_path, "a.jpg", (150, 20, 40)), photo(tmp_path, "b.jpg", (230, 120, 20))],
    )
    vendor.locator("form.stacked-form button[type=submit]").click()
    vendor.wait_for_selector(".photo-grid img >> nth=1")
    vendor.locator(".product-actions button:has-text('上架')").click()
    vendor.wait_for_selector("text=已上架销售")
    screenshot(vendor, "11-vendor-product-published-zh")

    # 4. A shopper finds them by searching 血橙 and orders a box.
    sign_in(shopper, f"{base}/accounts/login/", "xiaohong")
    shopper.goto(f"{base}/search/?q=血橙")
    shopper.locator("a:has-text('秭归血橙')").first.click()
    shopper.wait_for_selector(".add-to-cart button")
    shopper.locator(".add-to-cart button").click()
    shopper.wait_for_selector("#cart-feedback .notice-ok")
    shopper.goto(f"{base}/checkout/")
    shopper.locator("form.checkout-form button[type=submit]").click()
    shopper.wait_for_url("**/orders/HB*/")
    order_url = shopper.url

    # 5. The co-operative ships it: only its own order, with the address to ship to.
    vendor.goto(f"{base}/vendor/orders/")
    vendor.locator(".data-table a").first.click()
    vendor.wait_for_selector("text=王小红 · 13912345678")
    vendor.select_option("select[name=carrier]", "sf")
    vendor.fill("input[name=tracking_number]", "SF1400123456789")
    screenshot(vendor, "12-vendor-ships-an-order-zh")
    vendor.locator("form.ship-form button[type=submit]").click()
    vendor.wait_for_selector("text=已标记为发货")

    # 6. The shopper sees the tracking number on the order.
    shopper.goto(order_url)
    shopper.wait_for_selector("text=SF1400123456789")
    screenshot(shopper, "13-shopper-sees-tracking-phone-zh")

    # 7. The parcel arrived: the shopper confirms receipt (确认收货), asked first.
    shopper.locator("a.receive-button").click()
    shopper.wait_for_selector("text=确认收货？")
    screenshot(shopper, "13b-shopper-confirms-receipt-phone-zh")
    shopper.locator(".confirm-receipt button[type=submit]").click()
    shopper.wait_for_selector("text=已确认收货，谢谢！")
    assert "已收货" in shopper.locator(".order-part .badge").first.inner_text()
    vendor.goto(f"{base}/vendor/")
    vendor.wait_for_selector(".chart")
    assert "¥49.90" in vendor.locator(".stats").first.inner_text()
    screenshot(vendor, "14-vendor-sales-zh")

    # Vendors work from their phones too: the product list folds into cards.
    vendor.set_viewport_size({"width": 390, "height": 844})
    vendor.goto(f"{base}/vendor/products/")
    assert vendor.locator(".data-table tbody tr").count() == 1
    assert "29" in vendor.locator(".data-table tbody tr").inner_text()  # 30 less the box sold
    screenshot(vendor, "15-vendor-products-phone-zh")

"""A county co-operative's owner sets up its freight template (运费模板) in the vendor
dashboard, in Chinese on a phone: a price for the first kilogram and each further one
per destination, free shipping from ¥99 to the mainland, remote regions not served; a
mistake is shown, the template is listed, the fee previewed for Guangdong and Tibet,
and the listing card of a product sent under it says what a shopper will see."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from catalog.models import Vendor
from orders.shipping.models import FreightTemplate
from tests.browser.helpers import PASSWORD, sign_in
from tests.browser.test_csp import watched_context
from tests.factories import ProductFactory, VendorFactory, VendorMemberFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def fits_the_screen(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_a_shop_sets_up_its_freight_template_and_previews_the_fee(browser, live_server, screenshot):
    owner = get_user_model().objects.create_user(
        "liming", email="liming@example.cn", password=PASSWORD
    )
    shop = VendorFactory(name="秭归橙香果业合作社", status=Vendor.Status.APPROVED)
    VendorMemberFactory(vendor=shop, user=owner)
    ProductFactory(vendor=shop, name="秭归脐橙 5斤装", price=Decimal("39.90"), net_weight_g=2500)
    violations = []
    page = watched_context(
        browser,
        violations,
        viewport=PHONE,
        locale="zh-CN",
        extra_http_headers={"Accept-Language": "zh-CN"},
    )
    sign_in(page, f"{live_server.url}/accounts/login/?next=/vendor/shipping/", "liming")
    page.wait_for_url("**/vendor/shipping/")

    # No template yet: the page says the shop ships free everywhere until it adds one.
    empty = page.locator("main").inner_text()
    assert "包邮" in empty
    screenshot(page, "i19-vendor-templates-empty-phone-zh")
    page.locator("main a[href$='/vendor/shipping/new/']").first.click()
    page.wait_for_url("**/vendor/shipping/new/")

    page.fill("input[name=name]", "标准快递")
    page.check("input[name=hubei-deliver]")
    page.fill("input[name=hubei-first_units]", "1000")
    page.fill("input[name=hubei-first_fee]", "6")
    page.fill("input[name=hubei-extra_fee]", "1")
    page.check("input[name=mainland-deliver]")
    page.fill("input[name=mainland-first_units]", "1000")
    page.fill("input[name=mainland-first_fee]", "10")
    page.fill("input[name=mainland-extra_fee]", "4.555")  # a mistake: three decimals
    page.fill("input[name=mainland-free_over]", "99")
    page.locator("form.freight-form button[type=submit]").click()

    # The mistake is shown where it is, and nothing is saved.
    page.wait_for_selector("form.freight-form .error")
    assert not FreightTemplate.objects.exists()
    fits_the_screen(page)
    screenshot(page, "i19-vendor-template-mistake-phone-zh")
    page.fill("input[name=mainland-extra_fee]", "4")
    page.locator("form.freight-form button[type=submit]").click()

    # Listed: the shop's default, its rates in words.
    page.wait_for_url("**/vendor/shipping/")
    template = FreightTemplate.objects.get(vendor=shop)
    assert template.is_default
    listed = page.locator("main").inner_text()
    assert "标准快递" in listed and "默认" in listed
    assert "满 ¥99.00 包邮" in listed
    fits_the_screen(page)
    screenshot(page, "i19-vendor-templates-listed-phone-zh")

    # The fee previewed: 2.5 kg to Guangdong is ¥10 + 2 further kg at ¥4; Tibet is not
    # served (no rate for remote regions).
    page.goto(f"{live_server.url}/vendor/shipping/{template.pk}/")
    page.fill("input[name=weight_g]", "2500")
    page.fill("input[name=amount]", "39.90")
    page.select_option("select[name=province]", "广东省")
    page.get_by_role("button", name="计算运费").click()
    page.wait_for_selector("#preview-result :text('¥18.00')")
    guangdong = page.locator("#preview-result").inner_text()
    assert "¥18.00" in guangdong and "再买" in guangdong
    screenshot(page, "i19-vendor-template-preview-phone-zh")
    page.select_option("select[name=province]", "西藏自治区")
    page.get_by_role("button", name="计算运费").click()
    page.wait_for_selector("#preview-result :text('不配送至')")
    assert "西藏" in page.locator("#preview-result").inner_text()
    fits_the_screen(page)
    screenshot(page, "i19-vendor-template-preview-tibet-phone-zh")

    # A shopper's listing: the card does not say 包邮 (the shop charges for shipping).
    page.goto(f"{live_server.url}/products/")
    card = page.locator("article.card", has_text="秭归脐橙")
    assert "包邮" not in card.inner_text()
    assert violations == []

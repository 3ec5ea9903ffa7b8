"""Issue #22 end to end, in Chromium, on a phone, in Chinese: a shopper types the initials
`qc` into the header's search box, picks the suggested 脐橙, buys a box (cash on
delivery), confirms receipt once the co-op has shipped it, reviews it with five stars and
a photo, and the product's card (on the cached page an anonymous shopper gets, too) then
shows the new rating and what has sold."""

from decimal import Decimal

import pytest

from catalog.models import Category, County, Product
from orders.models import Order
from orders.services import ship_part
from tests.browser.helpers import PHONE, sign_in, staff_and_shopper
from tests.browser.test_csp import watched_context
from tests.browser.test_payment_journey import fits_the_screen
from tests.browser.test_search_suggest_journey import type_in_search
from tests.factories import ProductFactory, VendorFactory, image_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REVIEW = "皮薄汁多，很甜，孩子很喜欢。"


def phone(browser, violations):
    return watched_context(
        browser,
        violations,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        extra_http_headers={"Accept-Language": "zh-CN"},
    )


def test_qc_to_a_review_on_the_card(browser, live_server, screenshot, tmp_path):
    _staff, _shopper = staff_and_shopper()
    zigui = County.objects.get(slug="zigui")
    oranges = ProductFactory(
        slug="zigui-navel-oranges",
        name="秭归脐橙 5斤装",
        name_en="Zigui navel oranges 2.5 kg",
        vendor=VendorFactory(name="秭归橙乡合作社", county=zigui),
        category=Category.objects.get(slug="citrus"),
        origin_county=zigui,
        price=Decimal("39.90"),
        net_weight_g=2500,
        stock=50,
    )
    ProductFactory(name="恩施玉露", category=Category.objects.get(slug="tea"))
    photo = tmp_path / "oranges.jpg"
    photo.write_bytes(image_bytes(size=(800, 600), color=(245, 150, 20)))
    violations = []
    page = phone(browser, violations)
    base = live_server.url

    # 1. Signed in, the shopper types qc: the oranges are suggested by their initials.
    sign_in(page, f"{base}/accounts/login/?next=/", "xiaohong")
    page.wait_for_url(f"{base}/")
    type_in_search(page, "qc")
    suggestion = page.get_by_role("option").filter(has_text="秭归脐橙 5斤装")
    assert suggestion.count() == 1
    fits_the_screen(page)
    screenshot(page, "i22-journey-suggest-qc", full_page=False)
    suggestion.tap()

    # 2. The product page: into the cart, then checkout, cash on delivery.
    page.wait_for_url(f"**{oranges.get_absolute_url()}")
    page.locator(".add-to-cart button").click()
    page.wait_for_selector("#cart-feedback .notice-ok")
    page.goto(f"{base}/cart/")
    page.locator(".cart-summary a.button").click()
    page.wait_for_url("**/checkout/")
    page.locator("input[name=payment_method][value=cod]").check()
    page.locator("form.checkout-form button[type=submit]").click()
    page.wait_for_url("**/orders/HB*/")
    order = Order.objects.get(shopper__username="xiaohong")

    # 3. The co-op ships; the oranges arrive and the shopper confirms receipt.
    ship_part(order.parts.get(), carrier="sf", tracking_number="SF1234567890", by=None)
    page.reload()
    page.locator("a.receive-button").click()
    page.get_by_role("button", name="是的，我已收到").click()
    page.wait_for_selector("text=已确认收货，谢谢！")

    # 4. 评价: five stars, a few words, a photo.
    page.get_by_role("link", name="评价", exact=True).tap()
    page.wait_for_url("**/reviews/write/*/")
    page.locator('.star-picker label[title^="5 星"]').tap()
    page.fill("textarea[name=text]", REVIEW)
    page.set_input_files("input[name=photos]", str(photo))
    page.get_by_role("button", name="发布评价").click()
    page.wait_for_url("**/reviews/")
    assert REVIEW in page.locator(".my-reviews").inner_text()

    # 5. The card, for the shopper and on the page cache an anonymous shopper reads.
    page.goto(f"{base}/search/?q=qc")
    card = page.locator("article.card").filter(has_text="秭归脐橙 5斤装")
    assert card.locator(".rating-line").inner_text().endswith("5.0 · 1 条评价 · 已售 1")
    fits_the_screen(page)
    screenshot(page, "i22-journey-card-rated")
    anonymous = phone(browser, violations)
    for _ in range(2):  # rendered, then from the cache
        anonymous.goto(f"{base}/search/?q=qc")
        card = anonymous.locator("article.card").filter(has_text="秭归脐橙 5斤装")
        assert card.locator(".rating-line").inner_text().endswith("5.0 · 1 条评价 · 已售 1")
    anonymous.goto(base + oranges.get_absolute_url())
    assert REVIEW in anonymous.locator("body").inner_text()
    screenshot(anonymous, "i22-journey-product-reviews")

    product = Product.objects.get(pk=oranges.pk)
    assert (product.rating_count, product.rating_total, product.units_sold) == (1, 5, 1)
    assert violations == []

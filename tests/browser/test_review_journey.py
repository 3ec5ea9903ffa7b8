"""Issue #22's review journey in Chromium, on a phone, in Chinese: a shopper whose
oranges arrived opens the order, taps 评价, picks five stars, writes what they thought
(the counter follows), adds a photo, publishes, and finds it on 我的评价; the order page
then offers 追评 instead. The product's count and stars move with it."""

from decimal import Decimal

import pytest

from catalog.models import Product
from tests.browser.helpers import PHONE, sign_in, staff_and_shopper
from tests.browser.test_csp import watched_context
from tests.browser.test_payment_journey import fits_the_screen
from tests.factories import ProductFactory, image_bytes
from tests.reviews.helpers import placed, received

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REVIEW = "橙子很甜，水分足，包装也很好，下次还买。"


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "oranges.jpg"
    path.write_bytes(image_bytes(size=(800, 600), color=(245, 150, 20)))
    return path


def test_a_phone_shopper_reviews_what_they_received(browser, live_server, screenshot, photo):
    _staff, shopper = staff_and_shopper()
    oranges = ProductFactory(
        name="秭归脐橙 5斤装",
        name_en="Zigui navel oranges 2.5 kg",
        vendor__name="秭归橙乡合作社",
        price=Decimal("59.00"),
        net_weight_g=2500,
        pack_size="5 斤箱",
        stock=50,
    )
    order = received(placed((oranges, 1), shopper=shopper))
    violations = []
    page = watched_context(
        browser,
        violations,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        extra_http_headers={"Accept-Language": "zh-CN"},
    )

    sign_in(page, f"{live_server.url}/accounts/login/?next=/orders/{order.number}/", "xiaohong")
    page.wait_for_url(f"**/orders/{order.number}/")
    fits_the_screen(page)
    screenshot(page, "i22-review-order")
    page.get_by_role("link", name="评价", exact=True).tap()

    page.wait_for_url("**/reviews/write/*/")
    assert page.locator("h1").inner_text() == "评价商品"
    page.locator('.star-picker label[title^="5 星"]').tap()
    assert page.locator('input[name=stars][value="5"]').is_checked()
    page.fill("textarea[name=text]", REVIEW)
    assert page.locator(".review-counter").inner_text() == f"{len(REVIEW)} / 500"
    page.set_input_files("input[name=photos]", str(photo))
    fits_the_screen(page)
    screenshot(page, "i22-review-write")
    page.get_by_role("button", name="发布评价").click()

    page.wait_for_url("**/reviews/")
    assert page.locator("h1").inner_text() == "我的评价"
    assert "感谢您的评价，已发布。" in page.locator("body").inner_text()
    card = page.locator(".my-reviews .order-card").first
    assert REVIEW in card.inner_text()
    assert "已发布" in card.locator(".review-status").inner_text()
    assert card.locator(".review-photos img").count() == 1
    assert card.locator(".review-stars").get_attribute("aria-label") == "5 星"
    fits_the_screen(page)
    screenshot(page, "i22-review-mine")

    page.goto(f"{live_server.url}/orders/{order.number}/")
    actions = page.locator(".line-review").inner_text()
    assert "已评价" in actions and "追评" in actions
    product = Product.objects.get(pk=oranges.pk)
    assert (product.rating_count, product.rating_total) == (1, 5)
    assert violations == []  # the counter's script and the stars' styles keep to the CSP

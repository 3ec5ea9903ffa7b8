"""A shopper on a phone, in Chinese, sees a product's rating on its card, opens it, reads
the newest reviews (photos, follow-up, the shop's reply), then every review with photos."""

from decimal import Decimal

import pytest
from django.utils import timezone

from tests.browser.helpers import phone_context
from tests.factories import CategoryFactory, ProductFactory, VendorFactory, add_photo
from tests.reviews.factories import make_review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reviewed_orange(transactional_db):
    citrus = CategoryFactory(slug="citrus-b", name_zh="脐橙柑橘", name_en="Citrus")
    shop = VendorFactory(name="秭归县脐橙专业合作社", name_en="Zigui Navel Orange Co-op")
    orange = ProductFactory(
        vendor=shop,
        category=citrus,
        name="秭归脐橙 5斤装",
        slug="zigui-navel",
        price=Decimal("39.90"),
    )
    add_photo(orange)
    ProductFactory(vendor=shop, category=citrus, name="秭归夏橙 10斤装", slug="zigui-summer")
    make_review(orange, stars=4, text="还不错，个头有大有小。", days_ago=6)
    make_review(orange, stars=5, text="<script>alert('x')</script>照样很甜", days_ago=5)
    make_review(
        orange,
        stars=5,
        text="第二次回购了，皮薄汁多，孩子一天吃三个。",
        follow_up="放了十天还是很新鲜，追加好评！",
        reply="谢谢亲的支持，欢迎再来！",
        days_ago=3,
    )
    make_review(
        orange, stars=5, text="橙子很甜，水分足，包装很仔细，一个没坏。", photos=2, days_ago=1
    )
    make_review(orange, stars=1, text="骂人的话", hidden=True)
    type(orange).objects.filter(pk=orange.pk).update(units_sold=5230, updated_at=timezone.now())
    return orange


def test_a_phone_shopper_reads_the_rating_and_the_reviews(
    browser, live_server, reviewed_orange, screenshot
):
    page = phone_context(browser).new_page()
    page.set_default_timeout(15_000)

    page.goto(live_server.url + "/products/")
    card = page.locator(".card", has_text="秭归脐橙 5斤装")
    line = card.locator(".rating-line").inner_text()
    # a screen reader hears what the figure is; a sighted shopper sees a star before it
    assert line.split() == [
        "评分（满分",
        "5",
        "分）：",
        "4.8",
        "·",
        "4",
        "条评价",
        "·",
        "已售",
        "5,000+",
    ]
    assert page.locator(".card", has_text="秭归夏橙").locator(".rating-line").count() == 0
    screenshot(page, "i22-reviews-card-line", full_page=False)

    card.locator(".card-link").click()
    page.wait_for_url("**/products/zigui-navel/")
    section = page.locator(".product-reviews")
    assert section.locator("h2").inner_text() == "商品评价"
    reviews = section.locator(".review")
    assert reviews.count() == 3
    assert reviews.nth(0).locator(".review-photos img").count() == 2
    assert "追评" in reviews.nth(1).inner_text() and "商家回复" in reviews.nth(1).inner_text()
    assert "<script>alert('x')</script>照样很甜" in reviews.nth(2).inner_text()
    assert "骂人的话" not in page.content()
    assert section.locator(".review-author").first.inner_text().endswith("**")
    section.scroll_into_view_if_needed()
    screenshot(page, "i22-reviews-shown")

    section.get_by_role("link", name="查看全部评价").click()
    page.wait_for_url("**/products/zigui-navel/reviews/")
    assert page.locator(".review").count() == 4
    page.get_by_role("link", name="有图").click()
    page.wait_for_url("**/reviews/?photos=1")
    assert page.locator(".review").count() == 1
    assert page.locator(".review-photos img").count() == 2

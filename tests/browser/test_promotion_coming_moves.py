"""A shopper on a phone watches a coming sale reach zero: on /promotions/ its card moves
from 即将开始 into 正在进行; on a product already in a sale, the cheaper sale announced
beside it becomes the price shown, without a reload."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import Promotion
from tests.browser.helpers import phone_context
from tests.factories import ProductFactory, running_promotion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _section_of(page, name):
    """The <h2> heading the card named `name` is under."""
    return page.evaluate(
        """(name) => {
          const card = [...document.querySelectorAll('.promo-card')]
            .find(c => c.textContent.includes(name));
          let el = card.closest('ul');
          while (el && el.tagName !== 'H2') { el = el.previousElementSibling; }
          return el ? el.textContent : null;
        }""",
        name,
    )


def test_a_coming_sale_moves_into_on_now_and_beats_the_running_one_at_zero(
    browser, live_server, screenshot
):
    oranges = ProductFactory(
        name="秭归脐橙 10斤装", name_en="Zigui navel oranges", price=Decimal("59.90"), stock=50
    )
    now = timezone.now()
    running_promotion(
        oranges,
        name="脐橙九折",
        value="15",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=3),
    )
    starts = now + timedelta(seconds=6)
    coming = Promotion.objects.create(
        name="脐橙特价",
        slug="orange-special",
        kind="special_price",
        value=Decimal("49.90"),
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
    )
    coming.products.add(oranges)

    context = phone_context(browser)
    product, promotions = context.new_page(), context.new_page()
    for page in (product, promotions):
        page.set_default_timeout(15_000)
    product.goto(live_server.url + oranges.get_absolute_url())
    promotions.goto(f"{live_server.url}/promotions/")
    for page in (product, promotions):
        page.evaluate("window.notReloaded = true")

    price = product.locator(".product-price")
    shown = price.inner_text()
    assert "¥50.91" in shown and "正在进行" in shown and "起 ¥49.90" in shown
    assert shown.count("结束") == 1 and "剩余" in shown
    screenshot(product, "promotion-better-coming-1-announced-phone-zh")
    assert _section_of(promotions, "脐橙特价") == "即将开始"
    screenshot(promotions, "promotion-better-coming-2-list-coming-phone-zh")

    # Zero: the cheaper sale is the price, in place; its card is under 正在进行.
    product.wait_for_function(
        "() => !document.querySelector('.product-price').innerText.includes('¥50.91')",
        timeout=12_000,
    )
    shown = price.inner_text()
    assert "¥49.90" in shown and "脐橙特价" in shown and "正在进行" in shown and "起" not in shown
    screenshot(product, "promotion-better-coming-3-started-phone-zh")
    promotions.wait_for_function(
        "() => document.querySelector('[data-promo-list=running]').textContent.includes('脐橙特价')"
    )
    assert _section_of(promotions, "脐橙特价") == "正在进行"
    assert promotions.locator("[data-promo-empty=upcoming]").is_visible()
    assert "正在进行" in promotions.locator(".promo-card", has_text="脐橙特价").inner_text()
    screenshot(promotions, "promotion-better-coming-4-list-moved-phone-zh")
    for page in (product, promotions):
        assert page.evaluate("window.notReloaded === true")
    context.close()

"""A shopper on a phone watches a sale's countdown reach zero: the block turns into the
running sale (its price, 正在进行, a countdown to the end) without a reload, and into the
normal price when it ends, even with the phone's clock two hours wrong."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import Promotion
from tests.browser.helpers import phone_context
from tests.factories import ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The phone's clock is two hours slow: countdowns must count from the server's time.
SLOW_CLOCK = """(() => {
  const realNow = Date.now.bind(Date), RealDate = Date, skew = 2 * 3600 * 1000;
  Date.now = () => realNow() - skew;
})();"""


def test_the_countdown_turns_into_the_running_sale_and_then_the_end_without_a_reload(
    browser, live_server, screenshot
):
    oranges = ProductFactory(
        name="秭归脐橙 10斤装", name_en="Zigui navel oranges 5 kg", price=Decimal("59.90"), stock=50
    )
    starts = timezone.now() + timedelta(seconds=5)
    promotion = Promotion.objects.create(
        name="脐橙秒杀",
        name_en="Orange flash",
        slug="orange-flash",
        kind="special_price",
        value=Decimal("29.90"),
        starts_at=starts,
        ends_at=starts + timedelta(seconds=6),
    )
    promotion.products.add(oranges)

    context = phone_context(browser)
    context.add_init_script(SLOW_CLOCK)
    product, promotions = context.new_page(), context.new_page()
    for page in (product, promotions):
        page.set_default_timeout(15_000)
    product.goto(live_server.url + oranges.get_absolute_url())
    promotions.goto(f"{live_server.url}/promotions/")
    for page in (product, promotions):
        page.evaluate("window.notReloaded = true")

    # Coming: today's price, the sale's start and price, a zero-padded countdown.
    price = product.locator(".product-price")
    shown = price.inner_text()
    assert "¥59.90" in shown and "起 ¥29.90" in shown and "正在进行" not in shown
    assert product.locator(".product-price del:visible").count() == 0
    product.wait_for_function(
        "() => /^00:00:0[0-5]$/.test(document.querySelector("
        "'[data-phase=scheduled] time[data-countdown]').textContent)"
    )
    screenshot(product, "promotion-countdown-1-coming-phone-zh")

    # Zero: the running sale, in place.
    running = product.locator("[data-phase=running]")
    running.wait_for(state="visible", timeout=10_000)
    shown = price.inner_text()
    assert "¥29.90" in shown and "¥59.90" in shown and "正在进行" in shown
    assert "脐橙秒杀" in shown and "结束" in shown
    assert product.locator("[data-phase=scheduled]").is_hidden()
    ends_in = running.locator("time[data-countdown]").inner_text()
    assert ends_in.startswith("00:00:0"), ends_in
    screenshot(product, "promotion-countdown-2-running-phone-zh")

    card = promotions.locator(".promo-card", has_text="脐橙秒杀")
    card.locator("[data-phase=running]").wait_for(state="visible")
    assert "正在进行" in card.inner_text() and "特价 ¥29.90" in card.inner_text()
    screenshot(promotions, "promotion-countdown-3-list-running-phone-zh")

    # Its end: the normal price again.
    product.locator("[data-phase=ended]").wait_for(state="visible", timeout=10_000)
    shown = price.inner_text()
    assert "¥59.90" in shown and "¥29.90" not in shown and "正在进行" not in shown
    screenshot(product, "promotion-countdown-4-ended-phone-zh")
    for page in (product, promotions):
        assert page.evaluate("window.notReloaded === true")
    context.close()

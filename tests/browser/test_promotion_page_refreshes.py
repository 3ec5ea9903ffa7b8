"""A shopper on a phone keeps a coming promotion's page open across its start and end:
at the start the reminder button goes and the product cards show the sale price; at the
end the banner says it has ended and the cards show the price of then (another sale's),
all without a reload."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import Promotion
from tests.browser.helpers import phone_context
from tests.factories import ProductFactory, running_promotion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_promotions_cards_and_reminder_follow_its_start_and_end(browser, live_server, screenshot):
    tea = ProductFactory(
        name="恩施玉露 250克", name_en="Enshi Yulu tea", price=Decimal("103.60"), stock=50
    )
    now = timezone.now()
    running_promotion(
        tea,
        name="茶叶85折",
        value="15",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=3),
    )
    starts = now + timedelta(seconds=6)
    special = Promotion.objects.create(
        name="玉露特价",
        slug="yulu-special",
        kind="special_price",
        value=Decimal("50"),
        starts_at=starts,
        ends_at=starts + timedelta(seconds=8),
    )
    special.products.add(tea)

    context = phone_context(browser)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + special.get_absolute_url())
    page.evaluate("window.notReloaded = true")

    cards, remind = page.locator("#results"), page.get_by_role("button", name="开始时提醒我")
    assert "¥88.06" in cards.inner_text() and "¥50.00" not in cards.inner_text()
    assert remind.is_visible()
    screenshot(page, "promotion-page-1-coming-phone-zh")

    # Its start: the cards are at its price, and there is nothing left to be reminded of.
    page.wait_for_function(
        "() => document.querySelector('#results').innerText.includes('¥50.00')", timeout=12_000
    )
    assert "¥88.06" not in cards.inner_text()
    assert not remind.is_visible()
    assert page.locator(".promo-header p[data-phase=running]").is_visible()
    screenshot(page, "promotion-page-2-started-phone-zh")

    # Its end: the 15%-off sale still runs, and the cards say so.
    page.wait_for_function(
        "() => document.querySelector('#results').innerText.includes('¥88.06')", timeout=14_000
    )
    banner = page.locator(".promo-header p[data-phase=ended]")
    assert banner.is_visible() and "此促销已结束，以下商品按当前价格销售" in banner.inner_text()
    assert "¥50.00" not in cards.inner_text() and not remind.is_visible()
    screenshot(page, "promotion-page-3-ended-phone-zh")
    assert page.evaluate("window.notReloaded === true")
    context.close()

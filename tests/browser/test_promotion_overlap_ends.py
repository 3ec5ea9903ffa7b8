"""A shopper on a phone keeps a product page open while one of two overlapping sales
ends: the page then shows the other sale's price, its name and its own countdown (as a
reload would), not the list price; without a reload."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.browser.helpers import phone_context
from tests.factories import ProductFactory, running_promotion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_when_one_of_two_sales_ends_the_other_ones_price_shows(browser, live_server, screenshot):
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
    running_promotion(
        tea,
        name="玉露特价",
        kind="special_price",
        value="50",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(seconds=6),
    )

    context = phone_context(browser)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + tea.get_absolute_url())
    page.evaluate("window.notReloaded = true")

    price = page.locator(".product-price")
    shown = price.inner_text()
    assert "¥50.00" in shown and "玉露特价" in shown and "正在进行" in shown
    screenshot(page, "promotion-overlap-1-special-phone-zh")

    # The special ends: the 15%-off sale still runs, and is the price shown, in place.
    page.wait_for_function(
        "() => !document.querySelector('.product-price').innerText.includes('¥50.00')",
        timeout=12_000,
    )
    shown = price.inner_text()
    assert "¥88.06" in shown and "茶叶85折" in shown and "正在进行" in shown
    assert "玉露特价" not in shown and "结束" in shown and "剩余" in shown
    assert "2天" in shown or "3天" in shown  # its own countdown, about 3 days
    screenshot(page, "promotion-overlap-2-other-sale-phone-zh")
    assert page.evaluate("window.notReloaded === true")
    context.close()

"""Staff schedule a flash of Zigui oranges in the admin; when it starts, a shopper sees
the new price everywhere and pays it."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import Order
from tests.browser.helpers import sign_in, staff_and_shopper, staff_and_shopper_pages
from tests.factories import ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def zone(transactional_db):
    staff_and_shopper()
    return ProductFactory(
        name="秭归脐橙 10斤装", name_en="Zigui navel oranges 5 kg", price=Decimal("59.90"), stock=50
    )


def test_staff_schedule_a_promotion_and_the_shopper_pays_its_price(
    browser, live_server, zone, screenshot
):
    oranges = zone
    staff, shopper = staff_and_shopper_pages(browser)

    # Staff schedule 30 % off the oranges, starting in a few seconds.
    sign_in(staff, f"{live_server.url}/admin/login/?next=/admin/catalog/promotion/add/", "staff")
    staff.wait_for_selector("#id_name")
    starts = timezone.localtime() + timedelta(seconds=12)
    ends = starts + timedelta(days=2)
    staff.fill("#id_name", "秭归脐橙限时抢")
    staff.fill("#id_name_en", "Zigui orange rush")
    staff.select_option("#id_kind", "percent_off")
    staff.fill("#id_value", "30")
    staff.fill("#id_starts_at_0", starts.strftime("%Y-%m-%d"))
    staff.fill("#id_starts_at_1", starts.strftime("%H:%M:%S"))
    staff.fill("#id_ends_at_0", ends.strftime("%Y-%m-%d"))
    staff.fill("#id_ends_at_1", ends.strftime("%H:%M:%S"))
    staff.locator(".field-products .select2-selection").click()
    staff.keyboard.type("秭归")
    staff.locator(".select2-results__option", has_text="秭归脐橙").click()
    screenshot(staff, "16-admin-schedules-a-promotion")
    staff.locator("input[name=_save]").click()
    staff.wait_for_selector("text=was added successfully")
    assert "scheduled" in staff.locator("#result_list").inner_text()

    # Before it starts: the normal price.
    shopper.goto(live_server.url + oranges.get_absolute_url())
    assert "¥59.90" in shopper.locator(".product-price").inner_text()
    assert shopper.locator(".product-price del:visible").count() == 0  # the sale is hidden

    # Once it starts: the promotion price, struck-through list price and its badge.
    time.sleep(max(0.0, (starts - timezone.localtime()).total_seconds()) + 0.5)
    shopper.goto(live_server.url + oranges.get_absolute_url())
    price = shopper.locator(".product-price").inner_text()
    assert "¥41.93" in price and "¥59.90" in price and "秭归脐橙限时抢" in price
    screenshot(shopper, "17-product-on-promotion-phone-zh")

    sign_in(
        shopper, f"{live_server.url}/accounts/login/?next={oranges.get_absolute_url()}", "xiaohong"
    )
    shopper.locator(".add-to-cart input[name=quantity]").fill("2")
    shopper.locator(".add-to-cart button").click()
    shopper.wait_for_selector("#cart-feedback .notice-ok")
    shopper.goto(f"{live_server.url}/checkout/")
    assert "¥83.86" in shopper.locator("main").inner_text()
    shopper.locator("form.checkout-form button[type=submit]").click()
    shopper.wait_for_url("**/orders/HB*/")
    screenshot(shopper, "18-order-at-the-promotion-price-phone-zh")

    # The promotions page lists it as on now, with a countdown to its end.
    shopper.goto(f"{live_server.url}/promotions/")
    on_now = shopper.locator(".promo-list").first.inner_text()
    assert "秭归脐橙限时抢" in on_now and "优惠 30%" in on_now
    shopper.wait_for_function(
        "() => document.querySelector('time[data-countdown]').textContent.includes('天')"
    )
    screenshot(shopper, "19-promotions-page-phone-zh")

    order = Order.objects.get()
    assert order.total == Decimal("83.86")
    assert order.parts.get().lines.get().promotion.slug == "zigui-orange-rush"

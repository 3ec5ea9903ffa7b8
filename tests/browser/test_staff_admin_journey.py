"""Staff in the admin: the season calendar moves month by month on a phone, in Chinese;
the stream's product picker tells two shops' oranges of the same name apart."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import County
from livestream.models import LiveStream
from tests.browser.helpers import sign_in, staff_and_shopper, staff_and_shopper_pages
from tests.factories import ProductFactory, VendorFactory, running_promotion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff(transactional_db):
    return staff_and_shopper()[0]


def test_the_season_calendar_moves_month_by_month_on_a_phone(
    browser, live_server, staff, screenshot
):
    today = timezone.localdate()
    this_month = timezone.make_aware(timezone.datetime(today.year, today.month, 1, 10))
    next_month = timezone.make_aware(
        timezone.datetime(today.year + today.month // 12, today.month % 12 + 1, 3, 10)
    )
    may = timezone.make_aware(timezone.datetime(today.year, 5, 1, 10))
    product = ProductFactory()
    running_promotion(
        product, name="本月特惠", starts_at=this_month, ends_at=this_month + timedelta(days=5)
    )
    running_promotion(
        product, name="下月预热", starts_at=next_month, ends_at=next_month + timedelta(days=3)
    )
    running_promotion(product, name="五一助农", starts_at=may, ends_at=may + timedelta(days=5))
    page = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        extra_http_headers={"Accept-Language": "zh-CN"},
    ).new_page()
    page.set_default_timeout(15_000)

    sign_in(
        page, f"{live_server.url}/admin/login/?next=/admin/catalog/promotion/calendar/", "staff"
    )
    page.wait_for_selector(".season")
    assert f"促销日历：{today.year}年{today.month}月" in page.locator("#content").inner_text()
    assert page.locator(".season-bar", has_text="本月特惠").is_visible()
    assert page.locator(".season-bar", has_text="下月预热").count() == 0
    assert page.locator(".season-today").count() == 1
    screenshot(page, "40-admin-calendar-this-month-phone-zh")

    page.locator("a.season-next").click()
    page.wait_for_selector(".season-bar >> text=下月预热")
    assert page.locator(".season-bar", has_text="本月特惠").count() == 0
    screenshot(page, "41-admin-calendar-next-month-phone-zh")

    page.select_option("#season-month", "5")
    page.fill("#season-year", str(today.year))
    page.locator(".season-picker button").click()
    page.wait_for_selector(".season-bar >> text=五一助农")
    assert f"{today.year}年5月" in page.locator(".season-nav strong").inner_text()
    assert page.locator("#season-month").input_value() == "5"
    screenshot(page, "42-admin-calendar-may-phone-zh")

    page.locator("a.season-previous").click()
    page.wait_for_url(f"**/calendar/?year={today.year}&month=4")
    assert page.locator(".season-bar").count() == 0


def test_the_stream_product_picker_shows_vendor_and_price(browser, live_server, staff, screenshot):
    orchard, trader = VendorFactory(name="秭归橙园"), VendorFactory(name="宜昌果行")
    ProductFactory(name="秭归脐橙 5kg", vendor=orchard, price=Decimal("59.90"))
    ProductFactory(name="秭归脐橙 5kg", vendor=trader, price=Decimal("49.00"))
    staff_page, _ = staff_and_shopper_pages(browser)
    page = staff_page

    sign_in(page, f"{live_server.url}/admin/login/?next=/admin/livestream/livestream/add/", "staff")
    page.wait_for_selector("#id_title")
    start = timezone.localtime() + timedelta(days=2)
    page.fill("#id_title", "县长带你吃秭归脐橙")
    page.fill("#id_title_en", "Zigui oranges with the magistrate")
    page.fill("#id_host_name", "王县长")
    page.fill("#id_host_title", "秭归县县长")
    page.locator(".field-county .select2-selection").click()
    page.keyboard.type("Zigui")
    page.locator(".select2-results__option", has_text="Zigui").first.click()
    page.locator(".field-vendors .select2-selection").click()
    page.keyboard.type("橙园")
    page.locator(".select2-results__option", has_text="秭归橙园").click()
    page.fill("#id_scheduled_start_0", start.strftime("%Y-%m-%d"))
    page.fill("#id_scheduled_start_1", "19:30:00")
    page.fill("#id_scheduled_end_0", start.strftime("%Y-%m-%d"))
    page.fill("#id_scheduled_end_1", "21:30:00")

    page.locator("#featured-0 .field-product .select2-selection").click()
    page.keyboard.type("脐橙")
    options = page.locator(".select2-results__option", has_text="秭归脐橙 5kg ·")
    options.first.wait_for()
    assert sorted(options.all_inner_texts()) == [
        "秭归脐橙 5kg · 宜昌果行 · ¥49.00 · published",
        "秭归脐橙 5kg · 秭归橙园 · ¥59.90 · published",
    ]
    screenshot(page, "43-admin-stream-product-picker", full_page=False)

    # The other shop's oranges are refused on their row; the stream's own are saved.
    page.locator(".select2-results__option", has_text="宜昌果行").click()
    page.locator("input[name=_save]").click()
    error = page.locator("#featured-0 .errorlist")
    error.wait_for()
    assert "is sold by 宜昌果行, which is not one of this stream's vendors" in error.inner_text()
    assert LiveStream.objects.count() == 0
    screenshot(page, "44-admin-stream-refuses-another-vendors-product")

    page.locator("#featured-0 .field-product .select2-selection").click()
    page.keyboard.type("59.90")
    page.locator(".select2-results__option", has_text="秭归橙园 · ¥59.90").click()
    page.locator("input[name=_save]").click()
    page.wait_for_selector("text=was added successfully")
    stream = LiveStream.objects.get()
    assert [f.product.vendor for f in stream.featured.all()] == [orchard]
    assert County.objects.get(pk=stream.county_id).slug == "zigui"

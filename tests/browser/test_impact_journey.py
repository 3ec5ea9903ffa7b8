"""Staff add a pledge in the admin; a shopper on a phone reads the impact board in Chinese,
buys, and sees the board's figures and the pledge move; staff export the rollups."""

from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import Category, County
from demo import orders as order_demo
from orders.impact.selectors import build_board
from tests.browser.helpers import sign_in, staff_and_shopper, staff_and_shopper_pages
from tests.factories import ProductFactory, VendorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def zone(transactional_db):
    """Real places and categories, a few shops' produce, two months of demo orders."""
    staff_and_shopper()
    produce = [
        ("zigui", "citrus", "秭归脐橙 10斤装", "59.90", 5000),
        ("qianjiang-city", "crayfish", "潜江小龙虾 4斤", "98.00", 2000),
        ("enshi-city", "tea", "恩施玉露 250克", "128.00", 250),
        ("jianli", "rice", "监利大米 10斤", "45.00", 5000),
        ("honghu", "lotus-root", "洪湖莲藕 5斤", "39.90", 2500),
    ]
    products = []
    for county, category, name, price, grams in produce:
        county = County.objects.get(slug=county)
        products.append(
            ProductFactory(
                name=name,
                price=Decimal(price),
                net_weight_g=grams,
                stock=500,
                origin_county=county,
                category=Category.objects.get(slug=category),
                vendor=VendorFactory(county=county),
            )
        )
    order_demo.rebuild(order_demo.seed_orders(count=400))
    return products[0]


def test_a_pledge_on_the_board_moves_when_a_shopper_buys(browser, live_server, zone, screenshot):
    oranges = zone
    staff, shopper = staff_and_shopper_pages(browser)
    today = timezone.localdate()

    # Staff add Zigui county's pledge; a county scope without the county is refused first.
    sign_in(staff, f"{live_server.url}/admin/login/?next=/admin/orders/pledge/add/", "staff")
    staff.wait_for_selector("#id_pledger")
    staff.fill("#id_pledger", "秭归县人民政府")
    staff.fill("#id_pledger_en", "Zigui county government")
    staff.fill("#id_title", "秭归脐橙 5 吨")
    staff.fill("#id_title_en", "5 tons of Zigui oranges")
    staff.select_option("#id_measure", "tons")
    staff.fill("#id_target", "5")
    staff.fill("#id_starts_on", today.replace(day=1).isoformat())
    staff.fill("#id_ends_on", today.replace(month=12, day=31).isoformat())
    staff.select_option("#id_scope", "county")
    staff.locator("input[name=_save]").click()
    staff.wait_for_selector("text=Required for this scope.")
    staff.locator(".field-county .select2-selection").click()
    staff.keyboard.type("Zigui")
    staff.locator(".select2-results__option", has_text="Zigui").click()
    screenshot(staff, "22-admin-adds-a-pledge")
    staff.locator("input[name=_save]").click()
    staff.wait_for_selector("text=was added successfully")

    # The shopper reads the board on a phone, in Chinese.
    before = build_board()
    shopper.goto(f"{live_server.url}/impact/")
    shopper.wait_for_selector("text=秭归县人民政府")
    assert shopper.locator("[data-figure=orders]").inner_text() == f"{before.totals.orders:,}"
    assert shopper.locator("svg[aria-labelledby=daily-title] rect.chart-bar").count() > 20
    screenshot(shopper, "23-impact-board-phone-zh")

    # ...buys two boxes of Zigui oranges (10 kg)...
    sign_in(
        shopper, f"{live_server.url}/accounts/login/?next={oranges.get_absolute_url()}", "xiaohong"
    )
    shopper.wait_for_url(f"**{oranges.get_absolute_url()}")
    shopper.locator(".add-to-cart input[name=quantity]").fill("2")
    shopper.locator(".add-to-cart button").click()
    shopper.wait_for_selector("#cart-feedback .notice-ok")
    shopper.goto(f"{live_server.url}/checkout/")
    shopper.locator("input[name=payment_method][value=cod]").check()
    shopper.locator("form.checkout-form button[type=submit]").click()
    shopper.wait_for_url("**/orders/HB*/")

    # ...and the board counts the order, and the Zigui pledge has 10 kg more.
    shopper.goto(f"{live_server.url}/impact/")
    assert shopper.locator("[data-figure=orders]").inner_text() == (f"{before.totals.orders + 1:,}")
    pledge = next(p for p in build_board().pledges if p.pledger == "秭归县人民政府")
    previous = next(p for p in before.pledges if p.pk == pledge.pk)
    assert pledge.sold_g == previous.sold_g + 10_000
    shopper.locator("#pledges").scroll_into_view_if_needed()
    screenshot(shopper, "24-impact-board-after-an-order-phone-zh", full_page=False)

    # Staff download the county rollups as CSV.
    staff.goto(f"{live_server.url}/admin/orders/dailysales/?dimension__exact=county")
    with staff.expect_download() as download:
        staff.locator("text=Export these rows as CSV").click()
    body = open(download.value.path(), encoding="utf-8-sig").read()
    assert body.startswith("day,by,id,name,transactions")
    assert "Zigui" in body

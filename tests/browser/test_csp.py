"""The Content-Security-Policy holds in a real browser: a shopper on a phone, a vendor and
staff in the admin go through their pages and Chromium reports no violation, while the
countdowns still tick and htmx still swaps."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import County, VendorMember
from livestream.models import LiveStream
from tests.browser.helpers import sign_in, staff_and_shopper
from tests.factories import ProductFactory, add_photo, running_promotion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each page reports its violations to the test as they happen, so none is lost when the
# page navigates away before the test could read it.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(JSON.stringify({
    page: location.pathname, directive: event.violatedDirective,
    blocked: event.blockedURI, sample: event.sample, line: event.lineNumber}));
});
"""
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "locale": "zh-CN",
    "extra_http_headers": {"Accept-Language": "zh-CN"},
}
DESKTOP_EN = {
    "viewport": {"width": 1280, "height": 1000},
    "locale": "en-US",
    "extra_http_headers": {"Accept-Language": "en"},
}


@pytest.fixture
def store(transactional_db):
    staff, shopper = staff_and_shopper()
    oranges = ProductFactory(
        name="秭归脐橙 5斤装", name_en="Zigui navel oranges", stock=30, price=Decimal("49.90")
    )
    add_photo(oranges)
    VendorMember.objects.create(vendor=oranges.vendor, user=shopper, role="owner")
    running_promotion(oranges, slug="zigui-week")
    now = timezone.now()
    county = County.objects.get(slug="qianjiang-city")
    common = {"host_name": "副市长", "host_title": "潜江市副市长", "county": county}
    live = LiveStream.objects.create(
        title="潜江小龙虾直播间",
        slug="qianjiang-live",
        state=LiveStream.State.LIVE,
        scheduled_start=now - timedelta(minutes=30),
        scheduled_end=now + timedelta(hours=2),
        stream_url="about:blank",
        **common,
    )
    soon = LiveStream.objects.create(
        title="秭归脐橙直播",
        slug="zigui-soon",
        scheduled_start=now + timedelta(days=2),
        scheduled_end=now + timedelta(days=2, hours=2),
        **common,
    )
    return oranges, live, soon


def watched_context(browser, violations, **options):
    """A browser context whose pages report every CSP violation into `violations`."""
    context = browser.new_context(**options)
    context.expose_function(
        "reportCspViolation", lambda report: violations.append(json.loads(report))
    )
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on(
        "console",
        lambda message: (
            violations.append({"page": page.url, "console": message.text})
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return page


def visit(page, url):
    """Open `url` and check it came with the site's policy."""
    response = page.goto(url)
    assert response.status == 200, url
    header = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in header and "object-src 'none'" in header, url
    page.wait_for_load_state("networkidle")


def countdown_ticks(page):
    first = page.locator("time[data-countdown]").first.inner_text()
    page.wait_for_function(
        "(first) => document.querySelector('time[data-countdown]').textContent !== first",
        arg=first,
        timeout=5_000,
    )
    return first


def test_shopper_vendor_and_staff_pages_report_no_csp_violation(
    browser, live_server, store, screenshot
):
    oranges, live, soon = store
    base = live_server.url
    violations = []

    # A shopper on a phone, not signed in: the cached catalog pages, htmx and countdowns.
    shopper = watched_context(browser, violations, **PHONE)
    for path in ["/", "/products/", "/search/?q=脐橙", "/impact/", "/live/"]:
        visit(shopper, base + path)
    visit(shopper, f"{base}/promotions/")
    # The script runs from its file: the countdown ticks, zero-padded (00:00:00).
    assert re.fullmatch(r"(\d+天 )?\d\d:\d\d:\d\d", countdown_ticks(shopper))
    visit(shopper, base + soon.get_absolute_url())
    countdown_ticks(shopper)

    visit(shopper, f"{base}/products/")
    shopper.locator("#filters-panel > summary").click()  # folded on a phone
    shopper.locator("select[name=sort]").select_option("price")  # htmx swaps the results
    shopper.wait_for_url("**/products/?*sort=price*")
    shopper.wait_for_selector("#listing .result-count")

    visit(shopper, base + oranges.get_absolute_url())
    shopper.locator(".add-to-cart button").click()  # htmx posts and swaps the answer in
    shopper.wait_for_selector("#cart-feedback .notice-ok")
    shopper.wait_for_function(
        "() => document.querySelector('.cart-link .cart-count')?.innerText === '1'"
    )

    visit(shopper, base + live.get_absolute_url())  # the player and the polled counters
    shopper.wait_for_selector("[data-counter=watching]")
    assert shopper.locator("[data-counter=watching]").inner_text() == "1"
    screenshot(shopper, "30-csp-live-stream-phone-zh")

    # Signed in: cart, checkout (htmx brings the cities), orders, messages.
    sign_in(shopper, f"{base}/accounts/login/?next=/cart/", "xiaohong")
    shopper.wait_for_url("**/cart/")
    for path in ["/checkout/", "/orders/", "/accounts/inbox/", "/accounts/addresses/new/"]:
        visit(shopper, base + path)
    shopper.select_option("select[name=province]", "湖北省")
    shopper.wait_for_selector("select[name=city] option[value=武汉市]", state="attached")

    # The same person runs the shop: the vendor dashboard.
    for path in [
        "/vendor/",
        "/vendor/products/",
        "/vendor/products/new/",
        "/vendor/orders/",
        "/vendor/products/import/",
    ]:
        visit(shopper, base + path)
    screenshot(shopper, "31-csp-vendor-products-phone-zh")

    # Staff in the admin: lists, forms with their date and inline widgets, the calendar.
    staff = watched_context(browser, violations, **DESKTOP_EN)
    sign_in(staff, f"{base}/admin/login/?next=/admin/", "staff")
    staff.wait_for_url("**/admin/")
    for path in [
        "/admin/catalog/promotion/",
        "/admin/catalog/promotion/add/",
        "/admin/catalog/promotion/calendar/",
        "/admin/catalog/product/",
        f"/admin/catalog/product/{oranges.pk}/change/",
        f"/admin/livestream/livestream/{live.pk}/change/",
        "/admin/catalog/vendor/",
        "/admin/orders/dailysales/",
    ]:
        visit(staff, base + path)
    staff.goto(f"{base}/admin/catalog/promotion/add/")
    staff.locator(".datetimeshortcuts a").first.click()  # the admin's own scripts run
    assert staff.locator("input[name=starts_at_0]").input_value() != ""
    screenshot(staff, "32-csp-admin-promotion-calendar")
    # django-celery-beat's periodic task form: its crontab help says when a schedule runs.
    from django_celery_beat.models import CrontabSchedule

    nightly = CrontabSchedule.objects.create(minute="10", hour="4", timezone="Asia/Shanghai")
    staff.goto(f"{base}/admin/django_celery_beat/periodictask/add/")
    staff.select_option("#id_crontab", str(nightly.pk))
    staff.wait_for_function(
        "(words) => document.querySelector('.field-crontab .help').textContent.includes(words)",
        arg=nightly.human_readable,
    )

    assert violations == []

"""Issue #21's journey in Chromium. A Zigui orange co-operative's owner, on a phone in
Chinese, finds the shop's money on the 资金 page after a paid order was received: its
share less the commission, available now (the delay set to none for the test). The
owner enters the bank account, reads this week's statement and downloads it as CSV.
Staff, at a desk in English, preview and confirm a payout run, download the bank batch
and mark the payout paid with the bank's reference. The owner's 资金 page then shows
the payout paid and a zero balance, and the inbox says so."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from settlement.models import BankAccount, CommissionRate, Payout
from settlement.selectors import balances
from tests.aftersales.helpers import paid_online, received, with_freight
from tests.browser.helpers import PASSWORD, sign_in, staff_and_shopper
from tests.browser.test_payment_journey import fits_the_screen, new_page
from tests.factories import ProductFactory, VendorMemberFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACCOUNT = "6228 4800 1234 5678 901"
BANK_REFERENCE = "ABC20261202000123"


@pytest.fixture
def shop(sandbox_site, settings):
    """Staff, a co-operative's oranges (5% commission), its owner, and one order paid
    with Alipay and received: ¥119.80 of oranges and ¥10.00 shipping (2 kg)."""
    settings.SETTLEMENT_DELAY_DAYS = 0
    staff_and_shopper()
    CommissionRate.objects.create(
        scope=CommissionRate.Scope.DEFAULT,
        rate=Decimal("0.05"),
        effective_from=timezone.now(),
    )
    oranges = ProductFactory(
        name="秭归脐橙 5斤装",
        name_en="Zigui navel oranges 2.5 kg",
        vendor__name="秭归县脐橙合作社",
        vendor__name_en="Zigui Navel Orange Co-op",
        price=Decimal("59.90"),
        net_weight_g=1000,
        stock=50,
    )
    with_freight(oranges.vendor)
    owner = get_user_model().objects.create_user(
        "wangfang", email="wangfang@example.cn", password=PASSWORD
    )
    VendorMemberFactory(vendor=oranges.vendor, user=owner, role="owner")
    order, _payment = paid_online((oranges, 2))
    received(order)
    return oranges.vendor, order


@pytest.fixture
def csp_violations():
    violations = []
    yield violations
    assert violations == []


def test_a_shop_sees_its_money_enters_its_bank_account_and_is_paid_out(
    browser, shop, sandbox_site, screenshot, csp_violations
):
    vendor, order = shop
    base = sandbox_site.url
    part = order.parts.get()
    share = part.subtotal + part.shipping_fee - Decimal("5.99")  # 5% of ¥119.80
    assert balances(vendor.pk).available == share == Decimal("123.81")

    # 1. The owner, on a phone in Chinese: 资金 from the dashboard.
    phone = new_page(browser, csp_violations, phone=True, locale="zh-CN")
    sign_in(phone, f"{base}/accounts/login/?next=/vendor/", "wangfang")
    phone.wait_for_url("**/vendor/")
    phone.get_by_role("link", name="资金").first.click()
    phone.wait_for_url("**/vendor/funds/")
    figures = phone.locator(".funds-balances").inner_text()
    assert "¥123.81" in figures
    assert "添加银行账户" in phone.locator(".funds-bank").inner_text()
    fits_the_screen(phone)
    screenshot(phone, "i21-funds-phone-zh")

    # 2. The bank account: a wrong number is refused, then saved masked.
    phone.locator(".funds-bank a.button").click()
    phone.wait_for_url("**/vendor/funds/bank/")
    phone.fill("input[name=payee]", "秭归县脐橙合作社")
    phone.fill("input[name=bank]", "中国农业银行")
    phone.fill("input[name=branch]", "秭归支行")
    phone.fill("input[name=account_number]", "62-28")
    phone.locator("form.bank-form button[type=submit]").click()
    assert phone.locator(".bank-form .errorlist, .bank-form .error").count() >= 1
    assert not BankAccount.objects.exists()
    phone.fill("input[name=account_number]", ACCOUNT)
    phone.locator("form.bank-form button[type=submit]").click()
    phone.wait_for_selector(".message-success")
    assert "···· 8901" in phone.locator(".funds-bank .account-number").inner_text()
    assert BankAccount.objects.get(vendor=vendor).account_number == ACCOUNT.replace(" ", "")
    fits_the_screen(phone)
    screenshot(phone, "i21-bank-account-phone-zh")

    # 3. This week's statement: the order's sale, fee and commission; a CSV download.
    phone.goto(f"{base}/vendor/funds/")
    phone.get_by_role("link", name="本周对账单").click()
    phone.wait_for_url("**/vendor/funds/statement/**")
    summary = phone.locator(".statement-summary").inner_text()
    assert "¥119.80" in summary and "¥10.00" in summary and "-¥5.99" in summary
    assert "¥123.81" in summary
    assert order.number in phone.locator(".statement-entries").inner_text()
    fits_the_screen(phone)
    screenshot(phone, "i21-statement-phone-zh")
    with phone.expect_download() as download:
        phone.get_by_role("link", name="下载 CSV").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert any(order.number in row for row in rows)

    # 4. Staff, at a desk in English: a payout run, previewed, confirmed.
    desk = new_page(browser, csp_violations, phone=False, locale="en")
    sign_in(desk, f"{base}/admin/login/?next=/admin/settlement/payoutrun/", "staff")
    desk.wait_for_url("**/admin/settlement/payoutrun/")
    desk.get_by_role("link", name="New payout run").click()
    desk.wait_for_url("**/payoutrun/new/")
    desk.locator("input[name=minimum]").fill("100")
    desk.locator("input[type=submit][value=Preview]").click()
    preview = desk.locator(".payout-preview").inner_text()
    assert "1" in preview and "123.81" in preview
    screenshot(desk, "i21-payout-preview-desktop-en")
    desk.locator("input[type=submit].default").click()
    desk.wait_for_url("**/admin/settlement/payoutrun/*/change/")
    payout = Payout.objects.get(vendor=vendor)
    assert (payout.amount, payout.state) == (share, Payout.State.PENDING)
    with desk.expect_download() as download:
        desk.get_by_role("link", name="Download bank batch (CSV)").click()
    batch = download.value.path().read_text(encoding="utf-8-sig")
    assert ACCOUNT.replace(" ", "") in batch and "123.81" in batch and payout.number in batch
    desk.fill("input[name=bank_reference]", BANK_REFERENCE)
    desk.get_by_role("button", name="Mark paid").click()
    desk.wait_for_selector(".messagelist .success")
    payout.refresh_from_db()
    assert (payout.state, payout.bank_reference) == (Payout.State.PAID, BANK_REFERENCE)
    screenshot(desk, "i21-payout-run-paid-desktop-en")

    # 5. The owner: paid, with the bank's reference; nothing left; told in the inbox.
    phone.goto(f"{base}/vendor/funds/")
    assert "¥0.00" in phone.locator(".funds-balances").inner_text()
    payouts = phone.locator("table.payouts").inner_text()
    assert payout.number in payouts and BANK_REFERENCE in payouts and "¥123.81" in payouts
    fits_the_screen(phone)
    screenshot(phone, "i21-funds-paid-out-phone-zh")
    phone.goto(f"{base}/accounts/inbox/")
    assert payout.number in phone.locator("main").inner_text()
    screenshot(phone, "i21-inbox-payout-phone-zh")

"""The shop's funds pages in the vendor dashboard ("资金"): its balances and what becomes
available when, statements on the page and as CSV and Excel, the bank account (its
owner's to change), its payouts; other shops' money never shows; bad input is a form
error; each page a constant number of queries."""

import csv
import io
import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from aftersales import services as aftersales_services
from catalog.models import VendorMember
from notifications.models import Notification
from orders.services import confirm_payment
from settlement.messages import BANK_ACCOUNT
from settlement.models import BankAccount, BankAccountChange, CommissionRate, LedgerEntry
from settlement.services import payouts
from settlement.services.bank import save_bank_account
from settlement.services.booking import adjust, reverse_entry
from settlement.vendor_forms import (
    ACCOUNT_DIGITS,
    BANK_NEEDED,
    END_BEFORE_START,
    ENTER_A_DATE,
    OUT_OF_RANGE,
    PAYEE_LENGTH,
    RANGE_TOO_LONG,
    BankAccountForm,
    StatementPeriodForm,
)
from settlement.vendor_views import BANK_SAVED, BANK_UNCHANGED
from tests.aftersales.helpers import crayfish, first_line, placed, received, report, with_freight
from tests.factories import UserFactory, VendorMemberFactory, make_shop

Kind = LedgerEntry.Kind

pytestmark = pytest.mark.django_db
BEIJING = ZoneInfo("Asia/Shanghai")
FUNDS = reverse("vendor:funds")
STATEMENT = reverse("vendor:funds_statement")
CSV = reverse("vendor:funds_statement_csv")
XLSX = reverse("vendor:funds_statement_xlsx")
BANK = reverse("vendor:funds_bank")
PAYOUTS = reverse("vendor:funds_payouts")
WEEK = "?start=2026-11-23&end=2026-11-29"
NUL_REFUSED = "Null characters are not allowed."


def at(month, day, hour=10):
    return datetime(2026, month, day, hour, tzinfo=BEIJING)


def paid_by_transfer(product, quantity, staff):
    order = placed((product, quantity), payment_method="bank_transfer")
    confirm_payment(order, by=staff)
    return order


def book_a_season(vendor, owner):
    """Two weeks of one shop's money (5% commission; ¥8 shipping the first kg, ¥2 each
    further kg):
    - Mon 16 Nov: order A, 2 × ¥88 crayfish paid by transfer (176 + 10 - 8.80); Thu 19
      Nov received: ¥177.20 available from Thu 26 Nov.
    - Tue 24 Nov: order B, 1 × ¥88 paid (88 + 8 - 4.40 = ¥91.60, waiting for receipt).
    - Wed 25 Nov: an after-sales refund of ¥30 on order A (commission ¥1.50 back).
    - Thu 26 Nov: staff fine the shop ¥5.
    - Fri 27 Nov 10:00: the bank account is entered and a payout run pays ¥143.70, paid
      by the bank (reference ICBC20261127); 15:00 order B is received (available 4 Dec).
    - Sat 28 Nov: order C, 1 × ¥50 paid (50 + 8 - 2.50 = ¥55.50, waiting for receipt).
    """
    staff = UserFactory(username="finance", is_staff=True)
    CommissionRate.objects.create(scope="default", rate=Decimal("0.05"), effective_from=at(1, 1))
    with_freight(vendor)
    crayfish_ = crayfish("88.00", vendor=vendor)
    with time_machine.travel(at(11, 16), tick=False):
        order_a = paid_by_transfer(crayfish_, 2, staff)
    with time_machine.travel(at(11, 19), tick=False):
        received(order_a)
    with time_machine.travel(at(11, 24), tick=False):
        order_b = paid_by_transfer(crayfish_, 1, staff)
    with time_machine.travel(at(11, 25), tick=False):
        request = report(first_line(order_a), amount=Decimal("30.00"))
        aftersales_services.approve(request, by=owner)
    with time_machine.travel(at(11, 26), tick=False):
        adjust(vendor.pk, Decimal("-5.00"), note="Late shipment fine", by=staff)
    with time_machine.travel(at(11, 27), tick=False):
        save_bank_account(
            vendor,
            payee="秭归县果农合作社",
            bank="中国农业银行",
            branch="秭归支行",
            account_number="6228 4800 1234 5678",
            by=owner,
        )
        run = payouts.create_run(Decimal("100.00"), by=staff)
        payouts.mark_paid(run.payouts.get(), bank_reference="ICBC20261127", by=staff)
    with time_machine.travel(at(11, 27, 15), tick=False):
        received(order_b)
    with time_machine.travel(at(11, 28), tick=False):
        paid_by_transfer(crayfish("50.00", vendor=vendor), 1, staff)
    return {"order_a": order_a, "order_b": order_b, "request": request}


@pytest.fixture
def shop(django_user_model, client):
    """A signed-in owner of an approved shop, reading English: (client, owner, vendor)."""
    owner, vendor = make_shop(django_user_model)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(owner)
    return client, owner, vendor


@pytest.fixture
def season(shop):
    client, owner, vendor = shop
    return book_a_season(vendor, owner)


def on_the_28th():
    """Sat 28 Nov 2026, noon in Hubei: the season's week is this week."""
    return time_machine.travel(at(11, 28, 12), tick=False)


def text(response):
    return response.content.decode()


def figures(response):
    """{label: amount} of the page's <dl> figures and summary rows, as read."""
    html = text(response)
    found = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", html))
    rows = re.findall(
        r'<th scope="row">(?:<strong>)?([^<]+)(?:</strong>)?</th><td class="num">'
        r"(?:<strong>)?([^<]+)(?:</strong>)?</td>",
        html,
    )
    return found | dict(rows)


def entry_rows(response):
    """The statement's entries as (booked at, kind, order, reference, note, amount,
    available from), in the page's order."""
    html = text(response)
    table = re.search(r'<table class="data-table statement-entries">(.*?)</table>', html, re.S)
    if table is None:
        return []
    rows = []
    for row in re.findall(r"<tr[^>]*>\s*<td>(.*?)</tr>", table[1], re.S):
        cells = re.findall(r"(?:^|<td[^>]*>)(.*?)</td>", row, re.S)
        rows.append(tuple(re.sub(r"<[^>]+>", "", c).strip() for c in cells))
    return rows


def other_shop(django_user_model):
    """Another shop with money of its own: ¥999 credited and paid out to ···· 2222."""
    other_owner, other = make_shop(django_user_model, name="yichang")
    with time_machine.travel(at(11, 28, 9), tick=False):
        adjust(other.pk, Decimal("999.00"), note="Yichang's compensation", by=None)
        save_bank_account(
            other,
            payee="宜昌茶农合作社",
            bank="中国建设银行",
            branch="",
            account_number="6222000011112222",
            by=other_owner,
        )
        (payout,) = payouts.create_run(Decimal("100.00"), by=None).payouts.all()
    return other_owner, other, payout


# --- the funds page ------------------------------------------------------------------------


def test_the_funds_page_shows_the_balances_what_comes_when_the_bank_and_the_payouts(shop, season):
    client, owner, vendor = shop
    payout = vendor.payouts.get()

    with on_the_28th():
        response = client.get(FUNDS)

    assert response.status_code == 200
    shown = figures(response)
    assert {k: shown[k] for k in ("Balance", "Available now", "Waiting for receipt")} == {
        "Balance": "¥147.10",
        "Available now": "¥0.00",
        "Waiting for receipt": "¥55.50",
    }
    assert shown["Becomes available later"] == "¥91.60"
    html = text(response)
    to_come = re.search(r'class="data-table funds-to-come">(.*?)</table>', html, re.S)[1]
    assert re.findall(r"<td>(\S+)</td><td class=\"num\">([^<]+)</td>", to_come) == [
        ("2026-12-04", "¥91.60")
    ]
    assert shown["Account holder"] == "秭归县果农合作社"
    assert shown["Bank"] == "中国农业银行 · 秭归支行"
    assert "···· 5678" in html
    assert "6228480012345678" not in html and "1234 5678" not in html
    assert payout.number in html and "¥143.70" in html and "ICBC20261127" in html
    assert "?start=2026-11-23&amp;end=2026-11-29" in html  # this week's statement
    assert "?start=2026-11-16&amp;end=2026-11-22" in html  # last week's
    assert "7 days later" in html
    assert f'href="{BANK}"' in html  # the owner may change it
    assert 'href="/vendor/funds/" aria-current="page">Funds</a>' in html


def test_a_staff_member_sees_the_funds_but_no_link_to_change_the_bank_account(client, shop, season):
    _client, _owner, vendor = shop
    helper = VendorMemberFactory(vendor=vendor, role=VendorMember.Role.STAFF).user
    client.force_login(helper)

    with on_the_28th():
        response = client.get(FUNDS, HTTP_ACCEPT_LANGUAGE="en")

    assert figures(response)["Balance"] == "¥147.10"
    assert f'href="{BANK}"' not in text(response)
    assert "Only the shop's owner can change it." in text(response)


def test_a_shop_with_no_money_yet_is_told_what_will_happen_and_to_add_its_bank_account(shop):
    client, _owner, _vendor = shop

    response = client.get(FUNDS)

    assert response.status_code == 200
    shown = figures(response)
    assert [shown[k] for k in ("Balance", "Available now", "Waiting for receipt")] == [
        "¥0.00",
        "¥0.00",
        "¥0.00",
    ]
    html = text(response)
    assert "No money has moved yet." in html
    assert "Add your bank account." in html
    assert "payout runs pass your shop by" in html
    assert f'<a class="button" href="{BANK}">Add your bank account</a>' in html
    assert "No payouts yet." in html


def test_a_failed_payout_shows_why_and_that_the_money_is_back(shop):
    client, owner, vendor = shop
    adjust(vendor.pk, Decimal("120.00"), note="Opening credit", by=None)
    save_bank_account(
        vendor,
        payee="秭归县果农合作社",
        bank="中国农业银行",
        branch="",
        account_number="6228480012345678",
        by=owner,
    )
    (payout,) = payouts.create_run(Decimal("100.00"), by=None).payouts.all()
    payouts.mark_failed(payout, reason="Account closed", by=None)

    funds = client.get(FUNDS)
    listed = client.get(PAYOUTS)

    assert figures(funds)["Available now"] == "¥120.00"
    for response in (funds, listed):
        html = text(response)
        assert payout.number in html and "¥120.00" in html
        assert "Failed" in html and "Why: Account closed" in html
        assert "the money is back in your balance" in html


# --- statements ----------------------------------------------------------------------------


def test_this_weeks_statement_is_the_default_with_every_figure_and_entry(shop, season):
    client, _owner, vendor = shop
    payout = vendor.payouts.get()
    order_a, order_b = season["order_a"], season["order_b"]

    with on_the_28th():
        response = client.get(STATEMENT)

    assert response.status_code == 200
    assert "Statement 2026-11-23 – 2026-11-29" in text(response)
    assert figures(response) == {
        "Opening balance": "¥177.20",
        "Sales": "¥138.00",
        "Shipping fees collected": "¥16.00",
        "Refunds": "-¥30.00",
        "Commission": "-¥5.40",
        "Adjustments": "-¥5.00",
        "Payouts": "-¥143.70",
        "Closing balance": "¥147.10",
    }
    rows = entry_rows(response)
    assert len(rows) == 12 and "12 entries" in text(response)
    assert rows[0] == (
        "2026-11-24 10:00",
        "Sale",
        order_b.number,
        "",
        "",
        "¥88.00",
        "waiting for receipt",
    )
    number = season["request"].number
    assert rows[3] == (
        "2026-11-25 10:00",
        "Refund",
        order_a.number,
        "",
        number,
        "-¥30.00",
        "2026-11-26 10:00",
    )
    assert rows[5][1:] == ("Adjustment", "", "", "Late shipment fine", "-¥5.00", "2026-11-26 10:00")
    assert rows[6][1:] == ("Payout", "", payout.number, "", "-¥143.70", "2026-11-27 10:00")
    assert rows[8][1:] == (
        "Receipt confirmed (available later)",
        order_b.number,
        "",
        "",
        "¥91.60",
        "2026-12-04 15:00",
    )
    assert "Released" not in text(response)  # the release pair is no line of the summary


def test_a_week_is_picked_from_the_last_eight(shop, season):
    client, _owner, _vendor = shop

    with on_the_28th():
        page = client.get(STATEMENT)
        last_week = client.get(STATEMENT + "?start=2026-11-16&end=2026-11-22")

    weeks = re.findall(r'href="\?start=([\d-]+)&amp;end=([\d-]+)"', text(page))
    assert len(weeks) == 8
    assert weeks[0] == ("2026-11-23", "2026-11-29") and weeks[-1] == ("2026-10-05", "2026-10-11")
    assert figures(last_week) == {
        "Opening balance": "¥0.00",
        "Sales": "¥176.00",
        "Shipping fees collected": "¥10.00",
        "Refunds": "¥0.00",
        "Commission": "-¥8.80",
        "Adjustments": "¥0.00",
        "Payouts": "¥0.00",
        "Closing balance": "¥177.20",
    }
    assert len(entry_rows(last_week)) == 5


def test_a_custom_range_sums_both_weeks(shop, season):
    client, _owner, _vendor = shop

    response = client.get(STATEMENT + "?start=2026-11-01&end=2026-11-30")

    shown = figures(response)
    assert (shown["Opening balance"], shown["Sales"], shown["Closing balance"]) == (
        "¥0.00",
        "¥314.00",
        "¥147.10",
    )
    assert len(entry_rows(response)) == 17


def test_a_corrected_entry_shows_as_a_correction_and_nets_to_nothing(shop):
    client, _owner, vendor = shop
    with time_machine.travel(at(11, 24), tick=False):
        wrong = adjust(vendor.pk, Decimal("50.00"), note="Wrong shop", by=None)
    with time_machine.travel(at(11, 25), tick=False):
        reverse_entry(wrong, note="Meant for another shop", by=None)

    response = client.get(STATEMENT + WEEK)

    assert figures(response)["Adjustments"] == "¥0.00"
    assert [row[1:6] for row in entry_rows(response)] == [
        ("Adjustment", "", "", "Wrong shop", "¥50.00"),
        ("Adjustment (correction)", "", "", "Meant for another shop", "-¥50.00"),
    ]


def test_a_period_with_no_entries_says_so(shop):
    client, _owner, _vendor = shop

    response = client.get(STATEMENT + WEEK)

    assert response.status_code == 200
    assert figures(response)["Closing balance"] == "¥0.00"
    assert "No money moved in these days." in text(response)


def test_entries_are_fifty_a_page(shop):
    client, _owner, vendor = shop
    with time_machine.travel(at(11, 24), tick=True):
        for n in range(60):
            adjust(vendor.pk, Decimal("1.00"), note=f"credit {n}", by=None)

    first = client.get(STATEMENT + WEEK)
    second = client.get(STATEMENT + WEEK + "&page=2")

    assert len(entry_rows(first)) == 50 and len(entry_rows(second)) == 10
    assert entry_rows(second)[-1][4] == "credit 59"
    assert "start=2026-11-23&amp;end=2026-11-29&amp;page=2" in text(first)
    assert figures(second)["Adjustments"] == "¥60.00"


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("?start=2026-11-29&end=2026-11-23", END_BEFORE_START),
        ("?start=2025-01-01&end=2026-01-02", RANGE_TOO_LONG),
        ("?start=yesterday&end=2026-11-23", ENTER_A_DATE),
        ("?start=2026-11-23", ENTER_A_DATE),
        ("?start=2026-11%0023&end=2026-11-29", ENTER_A_DATE),
        ("?start=9999-12-31&end=9999-12-31", OUT_OF_RANGE),
        ("?start=2026-02-30&end=2026-03-01", ENTER_A_DATE),
    ],
)
@pytest.mark.parametrize("url", [STATEMENT, CSV, XLSX])
def test_a_bad_period_is_a_form_error_never_a_file_or_a_server_error(
    shop, season, url, query, error
):
    client, _owner, _vendor = shop

    response = client.get(url + query)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert str(error).replace("'", "&#x27;") in text(response)
    assert entry_rows(response) == []


def test_a_leap_years_366_days_are_one_statement(shop):
    client, _owner, _vendor = shop

    response = client.get(STATEMENT + "?start=2028-01-01&end=2028-12-31")

    assert response.status_code == 200


def test_a_nul_in_a_date_is_refused_by_the_form():
    form = StatementPeriodForm({"start": "2026-11-23\x00", "end": "2026-11-29"})

    assert not form.is_valid()
    assert form.errors == {"start": [str(ENTER_A_DATE)]}


# --- downloads -----------------------------------------------------------------------------


def test_the_csv_holds_the_summary_and_every_entry(shop, season):
    client, _owner, vendor = shop
    payout = vendor.payouts.get()

    response = client.get(CSV + WEEK)

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="statement-{vendor.slug}-2026-11-23-2026-11-29.csv"'
    )
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    blank = rows.index([])
    summary = dict(rows[:blank])
    assert summary == {
        "Shop": vendor.display_name,
        "From": "2026-11-23",
        "To": "2026-11-29",
        "Opening balance": "177.20",
        "Sales": "138.00",
        "Shipping fees collected": "16.00",
        "Refunds": "-30.00",
        "Commission": "-5.40",
        "Adjustments": "-5.00",
        "Payouts": "-143.70",
        "Closing balance": "147.10",
        "Entries": "12",
    }
    header, entries = rows[blank + 1], rows[blank + 2 :]
    assert header == [
        "Booked at",
        "Kind",
        "Order",
        "Reference",
        "Note",
        "Amount (CNY)",
        "Available from",
    ]
    assert len(entries) == 12
    assert sum(Decimal(row[5]) for row in entries) == Decimal("147.10") - Decimal("177.20")
    assert entries[0] == [
        "2026-11-24 10:00",
        "sale",
        season["order_b"].number,
        "",
        "",
        "88.00",
        "waiting for receipt",
    ]
    assert entries[6] == [
        "2026-11-27 10:00",
        "payout",
        "",
        payout.number,
        "",
        "-143.70",
        "2026-11-27 10:00",
    ]


def test_the_excel_workbook_holds_the_summary_and_every_entry_as_numbers(shop, season):
    client, _owner, vendor = shop

    response = client.get(XLSX + WEEK)

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="statement-{vendor.slug}-2026-11-23-2026-11-29.xlsx"'
    )
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["Summary", "Entries"]
    summary = {row[0].value: row[1] for row in book["Summary"].iter_rows()}
    assert summary["Opening balance"].value == 177.2
    assert summary["Closing balance"].value == 147.1
    assert summary["Payouts"].value == -143.7
    assert summary["Commission"].number_format == "0.00"
    assert summary["Entries"].value == 12
    rows = list(book["Entries"].iter_rows(values_only=True))
    assert rows[0][5] == "Amount (CNY)"
    entries = rows[1:]
    assert len(entries) == 12
    assert round(sum(Decimal(str(row[5])) for row in entries), 2) == Decimal("-30.10")
    assert entries[0] == (
        at(11, 24).replace(tzinfo=None),  # Beijing time, as Excel shows it
        "sale",
        season["order_b"].number,
        None,
        None,
        88,
        "waiting for receipt",
    )
    assert entries[5][4] == "Late shipment fine"
    assert entries[5][6] == at(11, 26).replace(tzinfo=None)


def test_a_note_that_looks_like_a_formula_stays_text(shop):
    client, _owner, vendor = shop
    with time_machine.travel(at(11, 24), tick=False):
        adjust(vendor.pk, Decimal("-3.00"), note='=HYPERLINK("http://x")', by=None)

    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(client.get(CSV + WEEK).streaming_content).decode().lstrip("\ufeff")
            )
        )
    )
    book = openpyxl.load_workbook(io.BytesIO(b"".join(client.get(XLSX + WEEK).streaming_content)))

    assert rows[-1][4] == '\'=HYPERLINK("http://x")'
    cell = book["Entries"]["E2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")


# --- isolation -----------------------------------------------------------------------------


def test_another_shops_money_never_shows_whatever_the_address_says(shop, season, django_user_model):
    client, _owner, vendor = shop
    _other_owner, other, other_payout = other_shop(django_user_model)
    tricks = f"&vendor={other.pk}&shop={other.pk}&vendor_id={other.pk}"

    with on_the_28th():
        pages = {
            "funds": client.get(FUNDS + "?" + tricks),
            "statement": client.get(STATEMENT + WEEK + tricks),
            "bank": client.get(BANK + "?" + tricks),
            "payouts": client.get(PAYOUTS + "?" + tricks),
        }
        csv_body = b"".join(client.get(CSV + WEEK + tricks).streaming_content).decode()
        xlsx = b"".join(client.get(XLSX + WEEK + tricks).streaming_content)

    for name, response in pages.items():
        html = text(response)
        assert response.status_code == 200, name
        for theirs in ("999", "2222", "宜昌", other_payout.number, "Yichang"):
            assert theirs not in html, (name, theirs)
    assert figures(pages["statement"])["Closing balance"] == "¥147.10"
    assert figures(pages["funds"])["Balance"] == "¥147.10"
    for theirs in ("999", "Yichang", other_payout.number):
        assert theirs not in csv_body
    cells = [
        str(v)
        for sheet in openpyxl.load_workbook(io.BytesIO(xlsx))
        for row in sheet.iter_rows(values_only=True)
        for v in row
    ]
    assert not any("999" in c or "Yichang" in c for c in cells)


def test_the_other_shops_owner_sees_only_their_own_figures(client, shop, season, django_user_model):
    _client, _owner, vendor = shop
    other_owner, other, other_payout = other_shop(django_user_model)
    client.force_login(other_owner)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    with on_the_28th():
        funds = client.get(FUNDS + f"?vendor={vendor.pk}")
        week = client.get(STATEMENT + WEEK + f"&vendor={vendor.pk}")
        listed = client.get(PAYOUTS + f"?vendor={vendor.pk}")

    assert figures(funds)["Balance"] == "¥0.00"
    assert figures(week)["Adjustments"] == "¥999.00"
    assert figures(week)["Sales"] == "¥0.00"
    assert len(entry_rows(week)) == 2
    assert other_payout.number in text(listed)
    assert vendor.payouts.get().number not in text(listed)
    assert "5678" not in text(funds)


def test_a_member_of_two_shops_reads_the_funds_of_the_shop_they_work_on(
    shop, season, django_user_model
):
    client, owner, vendor = shop
    _other_owner, other, _payout = other_shop(django_user_model)
    VendorMemberFactory(vendor=other, user=owner, role=VendorMember.Role.STAFF)

    with on_the_28th():
        client.post(reverse("vendor:switch_shop"), {"vendor": vendor.pk})
        own = client.get(FUNDS)
        client.post(reverse("vendor:switch_shop"), {"vendor": other.pk})
        theirs = client.get(FUNDS)
        their_bank = client.post(BANK, bank_form())

    assert figures(own)["Balance"] == "¥147.10"
    assert figures(theirs)["Balance"] == "¥0.00"
    assert "···· 2222" in text(theirs) and "5678" not in text(theirs)
    assert their_bank.status_code == 403  # staff there, not an owner
    assert BankAccount.objects.get(vendor=other).account_number == "6222000011112222"


def test_a_posted_shop_id_changes_only_the_members_own_bank_account(
    shop, season, django_user_model
):
    client, owner, vendor = shop
    _other_owner, other, _payout = other_shop(django_user_model)

    response = client.post(
        BANK,
        {
            "vendor": other.pk,
            "vendor_id": other.pk,
            "payee": "秭归县果农合作社",
            "bank": "中国工商银行",
            "branch": "",
            "account_number": "6212 2600 0000 4321",
        },
    )

    assert response.status_code == 302
    assert BankAccount.objects.get(vendor=other).account_number == "6222000011112222"
    assert BankAccount.objects.get(vendor=vendor).account_number == "6212260000004321"


# --- the bank account ----------------------------------------------------------------------


def bank_form(**changes):
    return {
        "payee": "秭归县果农合作社",
        "bank": "中国农业银行",
        "branch": "秭归支行",
        "account_number": "6228 4800 1234 5678",
        **changes,
    }


def test_the_owner_enters_the_bank_account_and_the_owners_are_told(shop):
    client, owner, vendor = shop
    second_owner = VendorMemberFactory(vendor=vendor, role=VendorMember.Role.OWNER).user
    helper = VendorMemberFactory(vendor=vendor, role=VendorMember.Role.STAFF).user

    response = client.post(BANK, bank_form(), follow=True)

    assert response.redirect_chain == [(BANK, 302)]
    assert str(BANK_SAVED) in text(response).replace("&#x27;", "'")
    account = BankAccount.objects.get(vendor=vendor)
    assert (account.payee, account.bank, account.branch, account.account_number) == (
        "秭归县果农合作社",
        "中国农业银行",
        "秭归支行",
        "6228480012345678",
    )
    change = BankAccountChange.objects.get(vendor=vendor)
    assert (change.by, change.ip_address, change.before) == (owner, "127.0.0.1", None)
    told = Notification.objects.filter(kind=BANK_ACCOUNT)
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(
        [owner.pk, second_owner.pk]
    )
    assert not told.filter(recipient=helper).exists()
    assert set(told.values_list("link", flat=True)) == {FUNDS}
    html = text(response)
    assert "···· 5678" in html and "6228480012345678" not in html
    assert "none → 秭归县果农合作社 · 中国农业银行 ···· 5678" in html  # the change history
    assert "recorded with who made it" in html


def test_changing_the_account_is_recorded_with_the_last_digits_before_and_after(shop):
    client, owner, vendor = shop
    client.post(BANK, bank_form())

    client.post(BANK, bank_form(bank="中国工商银行", account_number="6212260000004321"))
    page = client.get(BANK)

    assert BankAccount.objects.get(vendor=vendor).account_number == "6212260000004321"
    assert BankAccountChange.objects.filter(vendor=vendor).count() == 2
    assert Notification.objects.filter(kind=BANK_ACCOUNT, recipient=owner).count() == 2
    # The history shows the holder and the bank with the digits: a changed payee shows.
    latest = "秭归县果农合作社 · 中国农业银行 ···· 5678 → 秭归县果农合作社 · 中国工商银行 ···· 4321"
    first = "none → 秭归县果农合作社 · 中国农业银行 ···· 5678"
    assert latest in text(page)
    assert text(page).index(latest) < text(page).index(first)


def test_saving_the_same_account_again_records_nothing(shop):
    client, _owner, vendor = shop
    client.post(BANK, bank_form())

    response = client.post(BANK, bank_form(account_number="6228480012345678"), follow=True)

    assert str(BANK_UNCHANGED) in text(response)
    assert BankAccountChange.objects.filter(vendor=vendor).count() == 1
    assert Notification.objects.filter(kind=BANK_ACCOUNT).count() == 1


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"payee": "张", "bank": ""}, {"payee": [PAYEE_LENGTH], "bank": [BANK_NEEDED]}),
        ({"payee": "x" * 81}, {"payee": [PAYEE_LENGTH]}),
        ({"account_number": "6228 480"}, {"account_number": [ACCOUNT_DIGITS]}),
        ({"account_number": "1" * 31}, {"account_number": [ACCOUNT_DIGITS]}),
        ({"account_number": "6228-4800-1234-5678"}, {"account_number": [ACCOUNT_DIGITS]}),
        ({"account_number": ""}, {"account_number": [ACCOUNT_DIGITS]}),
        ({"account_number": "6228\x0048001234"}, {"account_number": [NUL_REFUSED]}),
        ({"payee": "秭归\x00合作社"}, {"payee": [NUL_REFUSED]}),
        (
            {"bank": "农行\x1b[31m"},
            {
                "bank": [
                    "This text holds invisible control characters; type it again or paste it as plain text."
                ]
            },
        ),
    ],
)
def test_a_wrong_bank_account_form_says_what_is_wrong_and_changes_nothing(shop, changes, errors):
    client, _owner, vendor = shop

    response = client.post(BANK, bank_form(**changes))

    assert response.status_code == 400
    assert response.context["form"].errors == {k: [str(m) for m in v] for k, v in errors.items()}
    assert BankAccount.objects.count() == 0
    assert BankAccountChange.objects.count() == 0
    assert Notification.objects.filter(kind=BANK_ACCOUNT).count() == 0


def test_thirty_digits_with_spaces_and_full_width_digits_are_an_account_number(shop):
    client, _owner, vendor = shop

    client.post(BANK, bank_form(account_number="６２２８ " + "1" * 26))

    assert BankAccount.objects.get(vendor=vendor).account_number == "6228" + "1" * 26


def test_a_staff_member_reads_the_account_masked_and_may_not_change_it(client, shop):
    _client, owner, vendor = shop
    save_bank_account(
        vendor,
        payee="秭归县果农合作社",
        bank="中国农业银行",
        branch="",
        account_number="6228480012345678",
        by=owner,
    )
    helper = VendorMemberFactory(vendor=vendor, role=VendorMember.Role.STAFF).user
    client.force_login(helper)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    told = Notification.objects.count()

    page = client.get(BANK)
    refused = client.post(BANK, bank_form(account_number="6212260000004321"))

    assert page.status_code == 200
    assert "···· 5678" in text(page) and "6228480012345678" not in text(page)
    assert 'name="account_number"' not in text(page)
    assert "Only the shop's owner can change the bank account." in text(page)
    assert "none →" not in text(page)  # the history is the owners'
    assert refused.status_code == 403
    assert BankAccount.objects.get(vendor=vendor).account_number == "6228480012345678"
    assert BankAccountChange.objects.count() == 1
    assert Notification.objects.count() == told


def test_a_suspended_shops_owner_may_not_change_the_bank_account(client, django_user_model):
    owner, _vendor = make_shop(django_user_model, status="suspended")
    client.force_login(owner)

    page = client.get(BANK, HTTP_ACCEPT_LANGUAGE="en")
    refused = client.post(BANK, bank_form(), HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200
    assert "Save the bank account" not in text(page)
    assert refused.status_code == 403
    assert BankAccount.objects.count() == 0
    assert Notification.objects.filter(kind=BANK_ACCOUNT).count() == 0


# --- payouts -------------------------------------------------------------------------------


def test_the_payouts_page_lists_every_payout_newest_first(shop, season):
    client, owner, vendor = shop
    with time_machine.travel(at(12, 5), tick=False):
        (later,) = payouts.create_run(Decimal("50.00"), by=None).payouts.all()
    first = vendor.payouts.get(pk__lt=later.pk)

    response = client.get(PAYOUTS)

    html = text(response)
    assert html.index(later.number) < html.index(first.number)
    assert "¥91.60" in html and "Sent to the bank" in html
    assert "¥143.70" in html and "ICBC20261127" in html


def test_a_shop_with_no_payouts_is_told_when_they_come(shop):
    client, _owner, _vendor = shop

    response = client.get(PAYOUTS)

    assert "No payouts yet. Money available in your balance" in text(response)


# --- constant queries ----------------------------------------------------------------------


def grow(vendor, count):
    with time_machine.travel(at(11, 24), tick=True):
        for n in range(count):
            adjust(vendor.pk, Decimal("2.00"), note=f"credit {n}", by=None)
    with time_machine.travel(at(11, 25), tick=False):
        payouts.create_run(Decimal("1.00"), by=None)


@pytest.mark.parametrize("count", [5, 60])
def test_the_funds_pages_read_a_constant_number_of_queries(
    shop, django_assert_num_queries, count, session_reads
):
    client, owner, vendor = shop
    save_bank_account(
        vendor,
        payee="秭归县果农合作社",
        bank="中国农业银行",
        branch="",
        account_number="6228480012345678",
        by=owner,
    )
    grow(vendor, count)

    with on_the_28th():
        # (the session read from the database on SQLite; from Redis in production)
        with django_assert_num_queries(9 + session_reads):
            funds = client.get(FUNDS)
        with django_assert_num_queries(7 + session_reads):
            week = client.get(STATEMENT + WEEK)
        with django_assert_num_queries(5 + session_reads):
            client.get(PAYOUTS)
        with django_assert_num_queries(5 + session_reads):
            client.get(BANK)

    assert figures(funds)["Balance"] == "¥0.00"
    assert figures(week)["Adjustments"] == f"¥{2 * count}.00"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payee",
    [
        '=HYPERLINK("http://evil.example/","click")',
        "@SUM(A1)",
        "\u200b\u200b",
        "Farm\u202eName",
        "Farm\tName",
        "x",
    ],
)
def test_a_payee_a_bank_could_not_pay_or_a_spreadsheet_would_run_is_refused(payee):
    form = BankAccountForm(
        data={"payee": payee, "bank": "中国农业银行", "account_number": "6228480012345678"}
    )
    assert not form.is_valid()
    assert "payee" in form.errors


@pytest.mark.django_db
def test_a_payee_with_a_space_in_it_is_fine():
    form = BankAccountForm(
        data={
            "payee": "Zigui Orange Co-op",
            "bank": "湖北农信",
            "account_number": "6228480012345678",
        }
    )
    assert form.is_valid(), form.errors

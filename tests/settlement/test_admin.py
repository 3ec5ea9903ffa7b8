"""Settlement in the admin: rates (as percentages, never back-dated, read-only once in
force), the ledger (adjustments and reversals, confirmed, refused without a reason, twice
or without the permission), shop balances, statements, payout runs (preview, confirm,
bank batch, paid and failed) and the books check; each list in a constant number of
queries."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from settlement.admin.ledger import ALREADY_REVERSED, IS_A_REVERSAL
from settlement.admin.rates import CATEGORY_REQUIRED, IN_THE_PAST, NO_SHOP_HERE
from settlement.models import CommissionRate, LedgerEntry, Payout, PayoutRun, ShopAccount
from settlement.selectors import balances
from settlement.services import booking, payouts
from settlement.services.payouts import NOT_PENDING
from tests.aftersales.helpers import crayfish, placed, received
from tests.factories import CategoryFactory, VendorFactory
from tests.settlement.admin_helpers import shop, staff_client

pytestmark = pytest.mark.django_db
Kind = LedgerEntry.Kind
RATES = reverse("admin:settlement_commissionrate_changelist")
ADD_RATE = reverse("admin:settlement_commissionrate_add")
LEDGER = reverse("admin:settlement_ledgerentry_changelist")
ADJUST = reverse("admin:settlement_adjust")
ACCOUNTS = reverse("admin:settlement_shopaccount_changelist")
RUNS = reverse("admin:settlement_payoutrun_changelist")
NEW_RUN = reverse("admin:settlement_payoutrun_new")
BOOKS = reverse("admin:settlement_books")
STATEMENT = reverse("admin:settlement_statement")
MONEY = ("view_ledgerentry", "add_ledgerentry")


def entries(vendor=None):
    found = LedgerEntry.objects.order_by("pk")
    if vendor is not None:
        found = found.filter(vendor=vendor)
    return list(found.values_list("kind", "amount", "note"))


def when(delta=timedelta()):
    return timezone.localtime(timezone.now() + delta).strftime("%Y-%m-%d %H:%M:%S")


def rate_form(**values):
    at = when(timedelta(minutes=5))
    form = {
        "scope": "default",
        "category": "",
        "vendor": "",
        "percent": "5",
        "effective_from_0": at[:10],
        "effective_from_1": at[11:],
        "note": "",
    }
    form.update(values)
    return form


def rows_of(response):
    """The rates listed (their percentages), in order."""
    table = response.content.decode().split('id="result_list"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'class="field-rate_percent">([^<]+)<', table)


def reverse_url(entry):
    return reverse("admin:settlement_ledgerentry_reverse", args=[entry.pk])


def run_url(run):
    return reverse("admin:settlement_payoutrun_change", args=[run.pk])


def paid_url(payout):
    return reverse("admin:settlement_payout_paid", args=[payout.pk])


def failed_url(payout):
    return reverse("admin:settlement_payout_failed", args=[payout.pk])


# Lists ----------------------------------------------------------------------------


def grow(n):
    """n more shops, each with a rate, entries (available and waiting), a bank account
    (and its change) and a payout run of its own, one payout of which is paid."""
    for _ in range(n):
        vendor = shop("250.00", "30.00")
        CommissionRate.objects.create(
            scope="vendor", vendor=vendor, rate=Decimal("0.03"), effective_from=timezone.now()
        )
        run = payouts.create_run(Decimal("100"), by=None)
        payouts.mark_paid(run.payouts.get(), bank_reference="B1", by=None)


# Each list's queries besides reading the session: the user, the page's rows (and the
# count for the paginator), and the filters' choices (the shops, the runs, the dates).
LISTS = {
    RATES: 5,
    LEDGER: 6,
    ACCOUNTS: 3,
    RUNS: 3,
    reverse("admin:settlement_payout_changelist"): 5,
    reverse("admin:settlement_bankaccount_changelist"): 3,
    reverse("admin:settlement_bankaccountchange_changelist"): 3,
}


def queries_of(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def test_each_list_runs_the_same_queries_for_3_rows_as_for_30(staff_client, session_reads):
    grow(3)
    few = {url: queries_of(staff_client, url) for url in LISTS}
    grow(27)
    many = {url: queries_of(staff_client, url) for url in LISTS}
    assert many == few == {url: n + session_reads for url, n in LISTS.items()}
    page = staff_client.get(ACCOUNTS).content.decode()
    # Each shop's balance and its money waiting for receipt (the rest was paid out).
    assert page.count("¥30.00") == 60


def test_a_shops_account_shows_its_balance_available_and_waiting(staff_client):
    vendor = shop("120.50", "30.00", name="秭归脐橙社")
    booking.post(
        [
            LedgerEntry(
                vendor_id=vendor.pk,
                kind=Kind.RELEASED,
                amount=Decimal("7.00"),
                available_at=timezone.now() + timedelta(days=3),
            )
        ]
    )
    page = staff_client.get(ACCOUNTS).content.decode()
    row = page[page.index("秭归脐橙社") :]
    row = row[: row.index("</tr>")]
    assert ["¥157.50", "¥120.50", "¥30.00", "¥7.00"] == [
        cell for cell in ("¥157.50", "¥120.50", "¥30.00", "¥7.00") if cell in row
    ]
    assert row.index("¥157.50") < row.index("¥120.50") < row.index("¥30.00") < row.index("¥7.00")
    assert f"{LEDGER}?vendor__id__exact={vendor.pk}" in row
    assert f"{STATEMENT}?vendor={vendor.pk}" in row


def test_the_ledger_is_read_only_and_searchable_by_note(staff_client):
    vendor = shop("88.00")
    entry = LedgerEntry.objects.get(vendor=vendor)
    assert staff_client.get(reverse("admin:settlement_ledgerentry_add")).status_code == 403
    change = reverse("admin:settlement_ledgerentry_change", args=[entry.pk])
    assert staff_client.post(change, {"amount": "1000"}).status_code == 403
    delete = reverse("admin:settlement_ledgerentry_delete", args=[entry.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert entries(vendor) == [(Kind.ADJUSTMENT, Decimal("88.00"), "Opening balance")]
    found = staff_client.get(LEDGER, {"q": "Opening"}).content.decode()
    assert "¥88.00" in found
    assert "¥88.00" not in staff_client.get(LEDGER, {"q": "nothing-like-it"}).content.decode()
    waiting = staff_client.get(LEDGER, {"availability": "waiting"}).content.decode()
    assert "¥88.00" not in waiting


# Rates ----------------------------------------------------------------------------


def test_a_rate_is_entered_as_a_percentage_and_kept_with_who_set_it(db):
    client, user = staff_client("view_commissionrate", "add_commissionrate")
    category = CategoryFactory()
    response = client.post(
        ADD_RATE, rate_form(scope="category", category=category.pk, percent="5.5")
    )
    assert response.status_code == 302
    rate = CommissionRate.objects.get()
    assert (rate.scope, rate.category, rate.rate, rate.created_by) == (
        "category",
        category,
        Decimal("0.0550"),
        user,
    )
    assert LogEntry.objects.filter(object_id=str(rate.pk), user=user).count() == 1
    page = client.get(RATES).content.decode()
    assert "5.50%" in page and "Scheduled" in page


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"scope": "category"}, "category", CATEGORY_REQUIRED),
        ({"scope": "default", "vendor": "SHOP"}, "vendor", NO_SHOP_HERE),
        ({"effective_from_1": "PAST"}, "effective_from", IN_THE_PAST),
        ({"percent": "60"}, "percent", "Ensure this value is less than or equal to 50."),
    ],
)
def test_a_rate_that_does_not_fit_is_refused_with_the_reason(staff_client, values, field, message):
    vendor = VendorFactory()
    values = {k: (vendor.pk if v == "SHOP" else v) for k, v in values.items()}
    if values.get("effective_from_1") == "PAST":
        past = when(-timedelta(minutes=5))
        values.update(effective_from_0=past[:10], effective_from_1=past[11:])
    response = staff_client.post(ADD_RATE, rate_form(**values))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == [str(message)]
    assert CommissionRate.objects.count() == 0


def test_a_rate_that_has_taken_effect_is_read_only_and_kept(staff_client):
    past = CommissionRate.objects.create(
        scope="default", rate=Decimal("0.05"), effective_from=timezone.now() - timedelta(days=2)
    )
    now = CommissionRate.objects.create(
        scope="default", rate=Decimal("0.06"), effective_from=timezone.now() - timedelta(days=1)
    )
    later = CommissionRate.objects.create(
        scope="default", rate=Decimal("0.07"), effective_from=timezone.now() + timedelta(days=1)
    )
    change = reverse("admin:settlement_commissionrate_change", args=[past.pk])
    page = staff_client.get(change).content.decode()
    assert 'name="percent"' not in page and "5.00%" in page
    assert staff_client.post(change, rate_form(percent="1")).status_code == 403
    delete = reverse("admin:settlement_commissionrate_delete", args=[now.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert list(CommissionRate.objects.order_by("pk").values_list("rate", flat=True)) == [
        Decimal("0.0500"),
        Decimal("0.0600"),
        Decimal("0.0700"),
    ]
    editable = reverse("admin:settlement_commissionrate_change", args=[later.pk])
    assert 'name="percent"' in staff_client.get(editable).content.decode()

    listing = staff_client.get(RATES).content.decode()
    assert "Default rate in force now: 6.00%." in listing
    assert rows_of(staff_client.get(RATES, {"in_force": "now"})) == ["6.00%"]
    assert rows_of(staff_client.get(RATES, {"in_force": "past"})) == ["5.00%"]
    assert rows_of(staff_client.get(RATES, {"in_force": "scheduled"})) == ["7.00%"]


# Adjustments and reversals --------------------------------------------------------


def test_an_adjustment_is_confirmed_then_booked_and_logged(db):
    vendor = shop("10.00", bank=False)
    client, user = staff_client(*MONEY)
    form = {"vendor": vendor.pk, "amount": "-25.50", "note": "Late shipping fine"}
    confirm = client.post(ADJUST, form)
    assert confirm.status_code == 200 and confirm.context["confirming"]
    assert "Book an adjustment of -¥25.50" in confirm.content.decode()
    assert len(entries(vendor)) == 1  # nothing yet

    response = client.post(ADJUST, {**form, "confirmed": "True"})

    entry = LedgerEntry.objects.filter(vendor=vendor).latest("pk")
    assert response["Location"] == reverse("admin:settlement_ledgerentry_change", args=[entry.pk])
    assert (entry.kind, entry.amount, entry.note, entry.by) == (
        Kind.ADJUSTMENT,
        Decimal("-25.50"),
        "Late shipping fine",
        user,
    )
    assert balances(vendor.pk).available == Decimal("-15.50")
    assert ShopAccount.objects.get(vendor=vendor).balance == Decimal("-15.50")
    assert LogEntry.objects.filter(object_id=str(entry.pk), user=user).count() == 1


@pytest.mark.parametrize(
    ("values", "field"),
    [({"note": ""}, "note"), ({"note": "   "}, "note"), ({"amount": "0"}, "amount")],
)
def test_an_adjustment_without_a_reason_or_amount_books_nothing(db, values, field):
    vendor = shop("10.00", bank=False)
    client, _user = staff_client(*MONEY)
    form = {"vendor": vendor.pk, "amount": "5", "note": "Goodwill", "confirmed": "True", **values}
    response = client.post(ADJUST, form)
    assert response.status_code == 200 and field in response.context["form"].errors
    assert len(entries(vendor)) == 1


def test_staff_without_the_permission_cannot_move_money(db):
    vendor = shop("10.00", bank=False)
    entry = LedgerEntry.objects.get(vendor=vendor)
    client, _user = staff_client("view_ledgerentry")
    form = {"vendor": vendor.pk, "amount": "5", "note": "Goodwill", "confirmed": "True"}
    assert client.get(ADJUST).status_code == 403
    assert client.post(ADJUST, form).status_code == 403
    assert client.post(reverse_url(entry), {"note": "x", "confirmed": "True"}).status_code == 403
    assert "Add adjustment" not in client.get(LEDGER).content.decode()
    assert len(entries(vendor)) == 1
    assert client.get(BOOKS).status_code == 200  # reading is allowed


def test_an_entry_is_reversed_once_and_a_reversal_never(db):
    vendor = shop("40.00", bank=False)
    entry = LedgerEntry.objects.get(vendor=vendor)
    client, user = staff_client(*MONEY)
    change = reverse("admin:settlement_ledgerentry_change", args=[entry.pk])
    assert reverse_url(entry) in client.get(change).content.decode()
    assert client.post(reverse_url(entry), {"note": ""}).context["form"].errors["note"]
    confirm = client.post(reverse_url(entry), {"note": "Booked for the wrong shop"})
    assert confirm.context["confirming"] and len(entries(vendor)) == 1

    client.post(reverse_url(entry), {"note": "Booked for the wrong shop", "confirmed": "True"})

    reversal = LedgerEntry.objects.get(reverses=entry)
    assert (reversal.kind, reversal.amount, reversal.note, reversal.by) == (
        Kind.ADJUSTMENT,
        Decimal("-40.00"),
        "Booked for the wrong shop",
        user,
    )
    assert balances(vendor.pk).total == 0
    assert LogEntry.objects.filter(object_id=str(reversal.pk)).count() == 1

    again = client.post(reverse_url(entry), {"note": "Again", "confirmed": "True"})
    assert str(ALREADY_REVERSED % {"id": reversal.pk}) in again.content.decode()
    of_reversal = client.post(reverse_url(reversal), {"note": "Undo", "confirmed": "True"})
    assert str(IS_A_REVERSAL) in of_reversal.content.decode()
    assert len(entries(vendor)) == 2
    assert reverse_url(entry) not in client.get(change).content.decode()


# Payout runs ----------------------------------------------------------------------


def three_shops_and_one_without_a_bank_account():
    paid = [shop("250.00", name="A 合作社"), shop("150.00", "99.00", name="B 合作社")]
    shop("300.00", bank=False, name="C 合作社")
    shop("50.00", name="D 合作社")
    return paid


def test_a_payout_run_is_previewed_then_pays_each_shop_with_a_bank_account(db):
    a, b = three_shops_and_one_without_a_bank_account()
    client, user = staff_client("view_payoutrun", "add_payoutrun", "change_payout")
    form = client.get(NEW_RUN).content.decode()
    assert 'value="100.00"' in form  # SETTLEMENT_PAYOUT_MINIMUM

    preview = client.post(NEW_RUN, {"minimum": "100"}).content.decode()
    assert "2 shops would be paid ¥400.00 in all (minimum ¥100.00)." in preview
    assert "1 shop is left out: it has no bank account." in preview and "C 合作社" in preview
    assert PayoutRun.objects.count() == 0

    response = client.post(NEW_RUN, {"minimum": "100", "confirmed": "True"})

    run = PayoutRun.objects.get()
    assert response["Location"] == run_url(run)
    assert (run.minimum, run.created_by) == (Decimal("100.00"), user)
    assert sorted(run.payouts.values_list("vendor__name", "amount")) == [
        ("A 合作社", Decimal("250.00")),
        ("B 合作社", Decimal("150.00")),
    ]
    assert balances(a.pk).total == 0 and balances(b.pk).total == Decimal("99.00")
    page = client.get(run_url(run)).content.decode()
    assert "C 合作社: no bank account" in page
    assert page.count("Mark paid") == 2
    for payout in run.payouts.all():
        assert f'action="{paid_url(payout)}"' in page and f'action="{failed_url(payout)}"' in page
    assert LogEntry.objects.filter(object_id=str(run.pk), user=user).count() == 1
    listing = client.get(RUNS).content.decode()
    assert run.number in listing and "¥400.00" in listing


def test_a_confirmation_pressed_twice_makes_one_run_and_books_one_adjustment(db):
    """The confirmation pages carry a one-time key: the button pressed twice (a double
    click, the back button) pays and books once, and says so."""
    three_shops_and_one_without_a_bank_account()
    client, _user = staff_client("view_payoutrun", "add_payoutrun", "change_payout", *MONEY)
    preview = client.post(NEW_RUN, {"minimum": "100"})
    key = preview.context["form_key"]
    confirm = {"minimum": "100", "confirmed": "True", "form_key": key}
    first, again = client.post(NEW_RUN, confirm), client.post(NEW_RUN, confirm)
    run = PayoutRun.objects.get()
    assert first["Location"] == again["Location"] == run_url(run)
    assert run.payouts.count() == 2
    # Another run asked for now finds nothing to pay, and makes no empty run.
    nothing = client.post(NEW_RUN, {"minimum": "100", "confirmed": "True", "form_key": "x1"})
    assert str(payouts.NOTHING_TO_PAY) in nothing.content.decode()
    assert PayoutRun.objects.count() == 1

    vendor = shop("10.00", bank=False)
    form = {"vendor": vendor.pk, "amount": "12.34", "note": "Goodwill for late tea"}
    key = client.post(ADJUST, form).context["form_key"]
    for _ in range(2):
        client.post(ADJUST, {**form, "confirmed": "True", "form_key": key})
    assert [amount for _kind, amount, _note in entries(vendor)] == [
        Decimal("10.00"),
        Decimal("12.34"),
    ]


def test_an_adjustment_above_the_limit_is_refused(db):
    vendor = shop("10.00", bank=False)
    client, _user = staff_client(*MONEY)
    form = {"vendor": vendor.pk, "amount": "9999999999.99", "note": "typo", "confirmed": "True"}
    response = client.post(ADJUST, form)
    assert response.status_code == 200 and "amount" in response.context["form"].errors
    assert len(entries(vendor)) == 1


def test_the_bank_batch_lists_each_payout_for_the_bank(db):
    three_shops_and_one_without_a_bank_account()
    run = payouts.create_run(Decimal("100"), by=None)
    client, _user = staff_client("view_payoutrun", "change_payout")
    response = client.get(reverse("admin:settlement_payoutrun_bank_batch", args=[run.pk]))
    body = response.content.decode("utf-8")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    first, second = run.payouts.order_by("pk")
    assert rows == [
        ["Payee name", "Bank", "Branch", "Account number", "Amount (CNY)", "Reference"],
        ["A 合作社", "中国农业银行", "秭归支行", first.account_number, "250.00", first.number],
        ["B 合作社", "中国农业银行", "秭归支行", second.account_number, "150.00", second.number],
    ]


def test_a_payout_marked_paid_needs_the_banks_reference_and_is_then_final(db):
    vendor = shop("250.00")
    run = payouts.create_run(Decimal("100"), by=None)
    payout = run.payouts.get()
    client, user = staff_client("view_payoutrun", "view_payout", "change_payout")
    refused = client.post(paid_url(payout), {"bank_reference": "  "})
    assert refused.context["form"].errors["bank_reference"]

    response = client.post(paid_url(payout), {"bank_reference": "ABC20261202001"})

    assert response["Location"] == run_url(run)
    payout.refresh_from_db()
    assert (payout.state, payout.bank_reference, payout.finished_by) == (
        Payout.State.PAID,
        "ABC20261202001",
        user,
    )
    count = LedgerEntry.objects.count()
    again = client.post(failed_url(payout), {"reason": "Closed account"})
    assert "This payout is paid already: nothing was changed." in again.content.decode()
    payout.refresh_from_db()
    assert payout.state == Payout.State.PAID and LedgerEntry.objects.count() == count
    assert balances(vendor.pk).total == 0


def test_a_failed_payout_puts_the_money_back_and_cannot_be_paid_after(db):
    vendor = shop("250.00")
    run = payouts.create_run(Decimal("100"), by=None)
    payout = run.payouts.get()
    client, _user = staff_client("view_payoutrun", "change_payout")
    assert client.post(failed_url(payout), {"reason": ""}).context["form"].errors["reason"]
    assert balances(vendor.pk).available == 0

    client.post(failed_url(payout), {"reason": "The account is closed."})

    payout.refresh_from_db()
    assert (payout.state, payout.failure_reason) == (Payout.State.FAILED, "The account is closed.")
    assert balances(vendor.pk).available == Decimal("250.00")
    late = client.post(paid_url(payout), {"bank_reference": "X1"})
    assert late.status_code == 200 and not late.context["pending"]
    assert str(NOT_PENDING % {"state": "failed"}) in str(late.context["form"].non_field_errors())
    payout.refresh_from_db()
    assert payout.state == Payout.State.FAILED and payout.bank_reference == ""


def test_payout_pages_refuse_staff_without_the_permissions(db):
    shop("250.00")
    run = payouts.create_run(Decimal("100"), by=None)
    payout = run.payouts.get()
    client, _user = staff_client("view_payoutrun", "view_payout")
    assert client.get(NEW_RUN).status_code == 403
    assert client.post(NEW_RUN, {"minimum": "100", "confirmed": "True"}).status_code == 403
    assert client.post(paid_url(payout), {"bank_reference": "X"}).status_code == 403
    assert client.post(failed_url(payout), {"reason": "X"}).status_code == 403
    batch = reverse("admin:settlement_payoutrun_bank_batch", args=[run.pk])
    assert client.get(batch).status_code == 403
    assert PayoutRun.objects.count() == 1
    payout.refresh_from_db()
    assert payout.state == Payout.State.PENDING
    page = client.get(run_url(run)).content.decode()
    assert "Mark paid" not in page and "New payout run" not in client.get(RUNS).content.decode()


# Statements and the books check ---------------------------------------------------


def test_the_statement_shows_the_periods_figures_and_downloads_them(staff_client):
    vendor = shop("100.00", "30.00", bank=False)
    booking.adjust(vendor.pk, Decimal("-12.00"), note="Fine", by=None)
    today = timezone.localdate().isoformat()
    page = staff_client.get(STATEMENT, {"vendor": vendor.pk, "start": today, "end": today})
    figures = page.context["figures"]
    assert (figures.opening, figures.totals["adjustments"], figures.totals["sales"]) == (
        Decimal("0.00"),
        Decimal("88.00"),
        Decimal("30.00"),
    )
    assert figures.closing == Decimal("118.00")
    assert "¥118.00" in page.content.decode() and "3 entries" in page.content.decode()

    download = staff_client.get(
        STATEMENT, {"vendor": vendor.pk, "start": today, "end": today, "format": "csv"}
    )
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8")[1:])))
    assert rows[2] == ["Opening balance", "0.00"]
    assert rows[10] == ["Closing balance", "118.00"]
    assert [row[1:3] for row in rows[13:]] == [
        ["adjustment", "100.00"],
        ["sale", "30.00"],
        ["adjustment", "-12.00"],
    ]
    bad = staff_client.get(STATEMENT, {"vendor": vendor.pk, "start": today, "end": "2001-01-01"})
    assert bad.status_code == 200 and "The period ends before it starts." in bad.content.decode()
    assert staff_client.get(STATEMENT, {"vendor": "x\x00", "start": "\x00"}).status_code == 200


def test_the_statement_keeps_its_queries_whatever_the_entries(staff_client):
    vendor = shop("1.00", bank=False)
    today = timezone.localdate().isoformat()
    query = {"vendor": vendor.pk, "start": today, "end": today}
    few = queries_of(staff_client, f"{STATEMENT}?vendor={vendor.pk}&start={today}&end={today}")
    for _ in range(60):
        booking.adjust(vendor.pk, Decimal("1.00"), note="n", by=None)
    many = queries_of(staff_client, f"{STATEMENT}?vendor={vendor.pk}&start={today}&end={today}")
    assert many == few
    assert staff_client.get(STATEMENT, {**query, "page": "2"}).context["page"].number == 2


def test_the_books_page_says_balanced_then_lists_a_planted_error(staff_client):
    order = received(placed((crayfish("88.00"), 2)))  # cash on delivery
    vendor = order.parts.get().vendor
    shop("100.00")
    page = staff_client.get(BOOKS).content.decode()
    assert "The books balance." in page

    LedgerEntry.objects.bulk_create(  # bypassing post: no running balance, no money in
        [LedgerEntry(vendor=vendor, kind=Kind.SALE, amount=Decimal("5.00"), part=order.parts.get())]
    )

    page = staff_client.get(BOOKS).content.decode()
    assert "The books do not balance" in page
    shops = page[page.index("Shops whose running balance") :]
    assert vendor.name in shops and "-¥5.00" in shops
    orders = page[page.index("Orders whose money does not add up") :]
    assert reverse("admin:orders_order_change", args=[order.pk]) in orders
    assert order.number in orders
    assert reverse("admin:settlement_books") in staff_client.get(LEDGER).content.decode()
    index = staff_client.get(reverse("admin:app_list", args=["settlement"])).content.decode()
    assert BOOKS in index and STATEMENT in index


def test_a_runs_page_and_the_books_page_keep_their_queries(staff_client):
    def pages(run):
        return queries_of(staff_client, run_url(run)), queries_of(staff_client, BOOKS)

    for _ in range(3):
        shop("150.00")
    first = payouts.create_run(Decimal("100"), by=None)
    pages(first)  # the process's first admin page reads what Django caches (content types)
    few = pages(first)
    for _ in range(30):
        shop("150.00")
    run = payouts.create_run(Decimal("100"), by=None)
    assert run.payouts.count() == 30
    assert pages(run) == few


@pytest.mark.parametrize(
    "url",
    [
        "/admin/settlement/ledgerentry/abc/reverse/",
        "/admin/settlement/ledgerentry/999999/reverse/",
        "/admin/settlement/payout/abc/paid/",
        "/admin/settlement/payout/999999/failed/",
        "/admin/settlement/payoutrun/abc/bank-batch/",
    ],
)
def test_an_unknown_object_is_not_found(staff_client, url):
    assert staff_client.get(url).status_code == 404
    assert (
        staff_client.post(url, {"note": "x", "reason": "x", "bank_reference": "x"}).status_code
        == 404
    )


def test_odd_input_is_refused_on_the_form(staff_client):
    vendor = shop("10.00", bank=False)
    response = staff_client.post(
        ADJUST, {"vendor": vendor.pk, "amount": "1e400", "note": "a\x00b", "confirmed": "True"}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"amount", "note"}
    assert staff_client.post(NEW_RUN, {"minimum": "NaN", "confirmed": "True"}).status_code == 200
    assert (
        staff_client.get(STATEMENT, {"vendor": "999999", "start": "9999-12-31"}).status_code == 200
    )
    assert staff_client.get(RUNS, {"q": "PO"}).status_code == 200
    assert len(entries(vendor)) == 1 and PayoutRun.objects.count() == 0

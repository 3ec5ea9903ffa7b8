"""Orders from before settlement booked by `settle_existing`: what the hooks would have
booked, once, with no commission on lines sold before any rate existed.

"Before settlement" is made honestly: the orders go through the real services (the hooks
book them), then their ledger and running balances are wiped with raw SQL, as a database
upgraded from the release before settlement has them."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders import services as order_services
from orders.models import OrderLine
from settlement.books import check_books
from settlement.models import CommissionRate, LedgerEntry, ShopAccount
from settlement.selectors import balances
from settlement.services.backfill import book_existing
from tests.aftersales.helpers import (
    crayfish,
    paid_online,
    placed,
    received,
    staff_member,
    with_freight,
)

Kind = LedgerEntry.Kind


def default_rate(rate="0.05"):
    return CommissionRate.objects.create(
        scope="default", rate=Decimal(rate), effective_from=timezone.now()
    )


def before_settlement():
    """The books as the release before settlement left them: no entries, no balances."""
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{LedgerEntry._meta.db_table}"')
        cursor.execute(f'DELETE FROM "{ShopAccount._meta.db_table}"')


def ledger():
    return sorted(
        LedgerEntry.objects.values_list("vendor_id", "part_id", "kind", "amount"),
        key=lambda row: (row[1] or 0, row[2]),
    )


def bank_transfer(*items):
    order = placed(*items, payment_method="bank_transfer")
    return order_services.confirm_payment(order, by=staff_member())


def account(vendor):
    return ShopAccount.objects.get(vendor=vendor).balance


@pytest.mark.django_db
def test_paid_received_and_cash_on_delivery_are_booked_as_the_hooks_did_once():
    default_rate()
    fish, tea = crayfish("88.00"), crayfish("30.00")
    with_freight(fish.vendor)
    with_freight(tea.vendor)
    waiting = bank_transfer((fish, 1))
    received(bank_transfer((fish, 2), (tea, 1)))
    cod = received(placed((tea, 3)))
    hooks_booked = ledger()
    assert {row[2] for row in hooks_booked} >= {Kind.RELEASED, Kind.COD_COMMISSION}

    before_settlement()
    assert book_existing() == len(hooks_booked)

    assert ledger() == hooks_booked
    assert balances(fish.vendor_id).total == account(fish.vendor) == Decimal("268.80")
    # ¥88 + ¥8 fee − ¥4.40 waiting; ¥176 + ¥10 − ¥8.80 released, available in a week.
    assert balances(fish.vendor_id).available == 0
    week = timezone.now() + timezone.timedelta(days=7, minutes=1)
    assert balances(fish.vendor_id, at=week).available == Decimal("177.20")
    # The tea shop: its part of the bank transfer released; cash on delivery: ¥4.50 owed.
    assert balances(tea.vendor_id).total == Decimal("36.50") - Decimal("4.50")
    report = check_books()
    assert report.balanced, report
    assert waiting.parts.get().ledger_entries.filter(available_at__isnull=True).count() == 3
    assert cod.parts.get().ledger_entries.get().kind == Kind.COD_COMMISSION

    assert book_existing() == 0
    assert ledger() == hooks_booked
    assert check_books().balanced


@pytest.mark.django_db
def test_lines_sold_before_any_rate_keep_no_commission():
    fish = crayfish("88.00")
    with_freight(fish.vendor)
    transfer = received(bank_transfer((fish, 1)))
    cod = received(placed((fish, 1)))
    before_settlement()
    default_rate()  # settlement arrives with a rate: the past is not rewritten

    book_existing()

    assert set(OrderLine.objects.values_list("commission_rate", flat=True)) == {None}
    assert sorted(transfer.parts.get().ledger_entries.values_list("kind", "amount")) == sorted(
        [
            (Kind.SALE, Decimal("88.00")),
            (Kind.SHIPPING, Decimal("8.00")),
            (Kind.RELEASED_FROM, Decimal("-96.00")),
            (Kind.RELEASED, Decimal("96.00")),
        ]
    )
    assert not cod.parts.get().ledger_entries.exists()
    assert check_books().balanced
    assert book_existing() == 0


@pytest.mark.django_db
def test_a_paid_bank_transfer_cancelled_since_is_taken_back():
    default_rate()
    fish = crayfish("88.00")
    with_freight(fish.vendor)
    order = bank_transfer((fish, 1))
    order_services.cancel_part(order.parts.get(), reason="倒春寒", by=None)
    hooks_booked = ledger()
    before_settlement()

    assert book_existing() == len(hooks_booked) == 5

    assert ledger() == hooks_booked
    assert balances(fish.vendor_id).total == 0
    report = check_books()
    assert report.balanced and report.total.owed_to_shoppers == Decimal("96.00")
    assert book_existing() == 0


@pytest.mark.django_db(transaction=True)
def test_an_online_refund_from_before_is_taken_from_the_part(sandbox_site):
    default_rate()
    fish = crayfish("88.00")
    with_freight(fish.vendor)
    order, _payment = paid_online((fish, 1))
    kept, *_ = paid_online((fish, 2))
    order_services.cancel_order(order, by=order.shopper)
    hooks_booked = ledger()
    assert Kind.REFUND in {row[2] for row in hooks_booked}
    before_settlement()

    assert book_existing() == len(hooks_booked)

    assert ledger() == hooks_booked
    assert check_books().balanced
    assert book_existing() == 0
    assert kept.parts.get().ledger_entries.count() == 3


@pytest.mark.django_db
def test_a_batch_of_paid_parts_is_booked_in_the_same_queries_however_many(
    django_assert_num_queries,
):
    default_rate()
    fish = crayfish("88.00", stock=1000)
    with_freight(fish.vendor)

    def backfill(more):
        for _ in range(more):
            bank_transfer((fish, 1))
        before_settlement()
        with django_assert_num_queries(queries):
            return book_existing()

    queries = 17  # the batch: 6, with the shop account made anew; each later step: 1
    assert backfill(2) == 2 * 3
    assert backfill(8) == 10 * 3
    assert account(fish.vendor) == 10 * (Decimal("96.00") - Decimal("4.40"))


@pytest.mark.django_db
def test_received_parts_are_booked_in_the_same_queries_however_many():
    """A province's years of received parcels, paid or cash on delivery, are booked a
    batch at a time: the queries do not grow with the parts."""
    default_rate()
    fish = crayfish("88.00", stock=1000)
    with_freight(fish.vendor)
    counted = []

    def backfill(more):
        for _ in range(more):
            received(bank_transfer((fish, 1)))
            received(placed((fish, 1)))
        before_settlement()
        with CaptureQueriesContext(connection) as captured:
            written = book_existing()
        counted.append(len(captured))
        return written

    # each paid part: sale, shipping, commission, released_from, released; cash: 1
    assert backfill(2) == 2 * (5 + 1)
    assert backfill(8) == 10 * (5 + 1)
    assert counted[0] == counted[1]
    assert check_books().balanced
    week = timezone.now() + timezone.timedelta(days=7, minutes=1)
    # ¥96 − ¥4.40 per paid part released; ¥4.40 owed per cash part.
    assert balances(fish.vendor_id, at=week).available == 10 * (
        Decimal("96.00") - Decimal("4.40") - Decimal("4.40")
    )


@pytest.mark.django_db
def test_the_command_books_in_batches_and_says_the_books_balance():
    default_rate()
    fish = crayfish("88.00")
    with_freight(fish.vendor)
    for _ in range(3):
        received(bank_transfer((fish, 1)))
    before_settlement()
    out = StringIO()

    call_command("settle_existing", no_progress=True, stdout=out, stderr=StringIO())

    assert out.getvalue() == "Booked 15 ledger entries.\nThe books balance.\n"
    again = StringIO()
    call_command("settle_existing", no_progress=True, stdout=again, stderr=StringIO())
    assert again.getvalue().startswith("Booked 0 ledger entries.")

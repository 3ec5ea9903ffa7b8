"""Settlement under concurrency, on PostgreSQL: two payout runs at the same moment never
pay a shop twice; a run racing a refund or a new sale of the same shop leaves the shop's
balance the sum of its entries and the books balanced. Each call runs in a thread with
its own connection, all let go together (tests/support/races.py)."""

from decimal import Decimal
from functools import partial

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count

from aftersales import services as aftersales
from orders import services as order_services
from settlement.models import LedgerEntry, Payout, PayoutRun
from settlement.selectors import balances
from settlement.services import booking, payouts
from tests.aftersales.helpers import (
    crayfish,
    first_line,
    owner_of,
    paid_online,
    placed,
    received,
    report,
)
from tests.settlement.helpers import D, balanced, bank_account, rate
from tests.support.races import all_at_once

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
pytestmark = pytest.mark.skipif(
    not ON_POSTGRES,
    reason="parallel transactions need PostgreSQL (SQLite's test database is in memory, "
    "one connection serialises them)",
)
ROUNDS = 3


@pytest.fixture(autouse=True)
def _no_delay(settings):
    """Money is available as soon as receipt is confirmed (nothing to wait for)."""
    settings.SETTLEMENT_DELAY_DAYS = 0


def banked_shop_with(amount_boxes: int, price="100.00"):
    """A shop with a bank account whose bank transfer of `amount_boxes` was received."""
    product = crayfish(price)
    bank_account(product.vendor)
    order = placed((product, amount_boxes), payment_method="bank_transfer")
    order_services.confirm_payment(order, by=None)
    received(order)
    return product


def outcomes_ok(outcomes):
    for outcome in outcomes:
        assert not isinstance(outcome, Exception) or isinstance(outcome, ValidationError), outcome
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_payout_runs_at_once_never_pay_a_shop_twice():
    rate("0.0500")
    for _ in range(ROUNDS):
        shops = [banked_shop_with(n) for n in (1, 2, 3, 4)]
        available = {p.vendor_id: balances(p.vendor_id).available for p in shops}
        assert sorted(available.values()) == [D("95.00"), D("190.00"), D("285.00"), D("380.00")]

        runs = outcomes_ok(
            all_at_once([partial(payouts.create_run, D("50.00"), by=None)] * 2, language="en")
        )

        # Each made a run, or found nothing left to pay once the other had paid it all.
        assert any(isinstance(run, PayoutRun) for run in runs)
        assert all(
            isinstance(run, PayoutRun) or run.messages == [str(payouts.NOTHING_TO_PAY)]
            for run in runs
        )
        paid = Payout.objects.filter(vendor_id__in=available)
        per_shop = dict(
            paid.values("vendor_id").annotate(n=Count("id")).values_list("vendor_id", "n")
        )
        assert per_shop == dict.fromkeys(available, 1)
        assert dict(paid.values_list("vendor_id", "amount")) == available
        for vendor_id in available:
            assert balances(vendor_id).total == 0
        balanced()


@pytest.mark.django_db(transaction=True)
def test_a_payout_run_racing_a_new_sale_pays_only_what_was_available():
    rate("0.0500")
    for _ in range(ROUNDS):
        product = banked_shop_with(2)  # 190.00 available
        order = placed((product, 1), payment_method="bank_transfer")

        outcomes = outcomes_ok(
            all_at_once(
                [
                    partial(payouts.create_run, D("50.00"), by=None),
                    partial(order_services.confirm_payment, order, by=None),
                ],
                language="en",
            )
        )

        (payout,) = outcomes[0].payouts.all()
        assert payout.amount == D("190.00")
        assert balances(product.vendor_id) == balances(product.vendor_id).__class__(
            D("95.00"), D("0.00")
        )  # the new sale waits for receipt
        balanced()


@pytest.mark.django_db(transaction=True)
def test_a_payout_run_racing_an_after_sales_refund_keeps_the_books(sandbox_site):
    rate("0.0500")
    for _ in range(ROUNDS):
        product = crayfish("100.00")
        bank_account(product.vendor)
        order, _payment = paid_online((product, 2))
        received(order)  # 190.00 available
        request = report(first_line(order), quantity=1)  # ¥100 back, ¥5 commission back

        outcomes = outcomes_ok(
            all_at_once(
                [
                    partial(payouts.create_run, D("50.00"), by=None),
                    partial(aftersales.approve, request, by=owner_of(product.vendor)),
                ],
                language="en",
            )
        )

        (payout,) = outcomes[0].payouts.all()
        # Before the refund: all 190.00, leaving -95.00; after it: the 95.00 left.
        assert payout.amount in (D("190.00"), D("95.00"))
        left = balances(product.vendor_id)
        assert left.total == left.available == D("95.00") - payout.amount
        assert left.total + payout.amount == Decimal("95.00")
        balanced()


@pytest.mark.django_db(transaction=True)
def test_two_staff_members_reversing_the_same_entry_at_once_reverse_it_once():
    for _ in range(ROUNDS):
        product = crayfish()
        entry = booking.adjust(product.vendor_id, D("20.00"), note="typo", by=None)

        outcomes = outcomes_ok(
            all_at_once(
                [partial(booking.reverse_entry, entry, note="mistake", by=None)] * 2,
                language="en",
            )
        )

        refused = [o for o in outcomes if isinstance(o, ValidationError)]
        assert [r.messages for r in refused] == [[str(booking.ALREADY_REVERSED)]]
        assert LedgerEntry.objects.filter(reverses=entry).count() == 1
        assert balances(product.vendor_id).total == 0
        balanced()

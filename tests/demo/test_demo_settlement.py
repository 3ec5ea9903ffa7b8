"""The demo store's settlement: rates in force and one scheduled, the demo orders booked
into the shops' ledgers with their history's dates, bank accounts for most shops, a
payout run with one payout paid and one failed, an adjustment; and the books balance."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from demo.orders import SHOPPER_PREFIX
from orders.models import OrderLine
from settlement.books import check_books
from settlement.models import BankAccount, CommissionRate, LedgerEntry, Payout, PayoutRun
from settlement.selectors import balances

pytestmark = pytest.mark.django_db
Kind = LedgerEntry.Kind


def seed(products=40):
    out = StringIO()
    call_command("seed_demo", products=products, no_progress=True, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_demo_books_balance_with_a_payout_run_rates_and_bank_accounts():
    output = seed()

    assert "Settlement: 8 new commission rates" in output
    now = timezone.now()
    scheduled = CommissionRate.objects.get(effective_from__gt=now)
    assert (scheduled.scope, scheduled.rate) == ("default", Decimal("0.0600"))
    assert timezone.localtime(scheduled.effective_from).day == 1
    rates = set(CommissionRate.objects.filter(effective_from__lte=now).values_list("scope", "rate"))
    assert rates == {
        ("default", Decimal("0.0500")),
        ("category", Decimal("0.0300")),
        ("vendor", Decimal("0.0200")),
    }
    demo_lines = OrderLine.objects.filter(part__order__shopper__username__startswith=SHOPPER_PREFIX)
    recent = demo_lines.filter(part__order__created_at__year=now.year)
    assert set(recent.values_list("commission_rate", flat=True)) <= {
        Decimal("0.0500"),
        Decimal("0.0300"),
        Decimal("0.0200"),
    }
    fresh = recent.filter(category__slug="crayfish").exclude(part__vendor__slug="zigui-coop")
    assert set(fresh.values_list("commission_rate", flat=True)) == {Decimal("0.0300")}
    # The 2020 livestream's orders came before settlement: no rate, no commission.
    assert set(
        demo_lines.filter(part__order__created_at__year=2020).values_list(
            "commission_rate", flat=True
        )
    ) == {None}

    report = check_books()
    assert report.balanced, report
    assert report.total.received > 0 and report.total.commission > 0
    kinds = set(LedgerEntry.objects.values_list("kind", flat=True))
    assert kinds >= {
        Kind.SALE,
        Kind.SHIPPING,
        Kind.COMMISSION,
        Kind.RELEASED,
        Kind.COD_COMMISSION,
        Kind.PAYOUT,
        Kind.PAYOUT_RETURNED,
        Kind.ADJUSTMENT,
    }
    # History's dates: entries of past weeks, and money received over a week ago is free.
    assert LedgerEntry.objects.filter(booked_at__lt=now - timezone.timedelta(days=30)).exists()

    run = PayoutRun.objects.get()
    states = sorted(run.payouts.values_list("state", flat=True))
    assert states == [Payout.State.FAILED, Payout.State.PAID]
    assert {"reason": "no_bank_account"}.items() <= run.skipped[0].items()
    failed = run.payouts.get(state=Payout.State.FAILED)
    assert balances(failed.vendor_id).available >= failed.amount
    paid = run.payouts.get(state=Payout.State.PAID)
    assert paid.bank_reference and paid.account_number.isdigit()
    assert 16 <= len(paid.account_number) <= 19
    shops_with_money = set(LedgerEntry.objects.values_list("vendor_id", flat=True))
    with_account = set(BankAccount.objects.values_list("vendor_id", flat=True))
    assert with_account and shops_with_money - with_account
    assert {"中国农业银行", "湖北农信", "中国邮政储蓄银行"} <= set(
        BankAccount.objects.values_list("bank", flat=True)
    )
    adjustment = LedgerEntry.objects.get(kind=Kind.ADJUSTMENT)
    assert adjustment.note and adjustment.amount == Decimal("30.00")

    entries = LedgerEntry.objects.count()
    again = seed()

    assert "Settlement: 0 new commission rates, 0 order lines rated, 0 ledger entries" in again
    assert LedgerEntry.objects.count() == entries
    assert PayoutRun.objects.count() == 1
    assert check_books().balanced

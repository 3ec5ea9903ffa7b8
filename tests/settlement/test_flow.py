"""One shop's money from a paid order to its payout, as its statement shows it."""

from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from settlement.books import check_books
from settlement.models import BankAccount, CommissionRate, LedgerEntry
from settlement.selectors import balances
from settlement.services import payouts
from tests.aftersales.helpers import crayfish, paid_online, received, with_freight

Kind = LedgerEntry.Kind


def kinds(vendor):
    return list(
        LedgerEntry.objects.filter(vendor=vendor).order_by("id").values_list("kind", "amount")
    )


@pytest.mark.django_db(transaction=True)
def test_paid_received_released_paid_out(sandbox_site, settings):
    settings.SETTLEMENT_DELAY_DAYS = 7
    CommissionRate.objects.create(
        scope="default", rate=Decimal("0.05"), effective_from=timezone.now()
    )
    product = crayfish("88.00")
    with_freight(product.vendor)
    order, _payment = paid_online((product, 2))
    vendor = product.vendor
    assert kinds(vendor) == [
        (Kind.SALE, Decimal("176.00")),
        (Kind.SHIPPING, Decimal("10.00")),
        (Kind.COMMISSION, Decimal("-8.80")),
    ]
    assert balances(vendor.pk).available == 0
    received(order)
    assert balances(vendor.pk).available == 0
    assert balances(vendor.pk).total == Decimal("177.20")
    later = timezone.now() + timezone.timedelta(days=7, minutes=1)
    assert balances(vendor.pk, at=later).available == Decimal("177.20")
    with time_machine.travel(later, tick=False):
        run_payout(vendor)


def run_payout(vendor):
    BankAccount.objects.create(
        vendor=vendor,
        payee="秭归县果农合作社",
        bank="中国农业银行",
        account_number="6228480012345678",
    )
    run = payouts.create_run(Decimal("100"), by=None)
    (payout,) = run.payouts.all()
    assert payout.amount == Decimal("177.20")
    assert balances(vendor.pk).total == 0
    assert check_books().balanced, check_books()

"""Payout runs: every shop whose available money reaches the minimum and that has a bank
account is paid all of it (those without an account are recorded as left out); the
bank's answer is recorded (paid, or failed with the money back, every member told); a
refund after a payout leaves the balance negative and the next run nets it; no run
takes money that is not available yet."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from aftersales import services as aftersales
from notifications.models import Notification
from orders import services as order_services
from settlement import messages
from settlement.models import LedgerEntry, Payout, PayoutRun
from settlement.selectors import balances
from settlement.services import payouts
from tests.aftersales.helpers import crayfish, first_line, owner_of, placed, received, report
from tests.factories import VendorMemberFactory
from tests.settlement.helpers import D, Kind, balanced, bank_account, entries, rate, rows

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


@pytest.fixture
def clock(settings):
    """Time standing still from now, moved on by the test; one day's delay."""
    settings.SETTLEMENT_DELAY_DAYS = 1
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def sold_and_received(product, quantity):
    """A bank transfer for `quantity` boxes, confirmed by staff and received."""
    order = placed((product, quantity), payment_method="bank_transfer")
    order_services.confirm_payment(order, by=None)
    return received(order)


def paid_of(vendor) -> list[D]:
    return list(
        Payout.objects.filter(vendor=vendor).order_by("pk").values_list("amount", flat=True)
    )


def test_a_run_pays_each_shop_with_enough_money_and_a_bank_account(clock):
    rate("0.0500")
    rich, poor, unbanked = crayfish("100.00"), crayfish("100.00"), crayfish("100.00")
    sold_and_received(rich, 2)  # 190.00
    sold_and_received(poor, 1)  # 95.00: below the minimum
    sold_and_received(unbanked, 3)  # 285.00, nowhere to send it
    for product in (rich, poor):
        bank_account(product.vendor)
    clock.shift(DAY)

    run = payouts.create_run(D("100.00"), by=None)

    (payout,) = run.payouts.all()
    assert (payout.vendor, payout.amount, payout.state) == (
        rich.vendor,
        D("190.00"),
        Payout.State.PENDING,
    )
    assert (payout.payee, payout.account_number) == (
        f"{rich.vendor.name} 合作社",
        "6228480012345678",
    )
    assert PayoutRun.objects.get(pk=run.pk).skipped == [
        {"vendor": unbanked.vendor_id, "reason": "no_bank_account"}
    ]
    assert entries(rich.vendor, kind=Kind.PAYOUT) == [(Kind.PAYOUT, D("-190.00"))]
    assert balances(rich.vendor_id).total == 0
    assert balances(poor.vendor_id).available == D("95.00")
    assert balances(unbanked.vendor_id).available == D("285.00")
    balanced()


def test_a_minimum_of_zero_is_refused_and_makes_no_run():
    with pytest.raises(ValidationError) as refused:
        payouts.create_run(D("0"), by=None)
    assert refused.value.messages == [str(payouts.MINIMUM_NOT_POSITIVE)]
    assert PayoutRun.objects.count() == 0


def test_a_run_never_takes_money_that_is_not_available_yet(clock):
    rate("0.0500")
    product = crayfish("100.00")
    bank_account(product.vendor)
    sold_and_received(product, 2)  # 190.00, available in a day
    clock.shift(DAY / 2)
    sold_and_received(product, 1)  # 95.00, available a day after that
    order = placed((product, 1), payment_method="bank_transfer")
    order_services.confirm_payment(order, by=None)  # 95.00 waiting for receipt
    clock.shift(DAY / 2)

    (payout,) = payouts.create_run(D("100.00"), by=None).payouts.all()

    assert payout.amount == D("190.00")
    assert balances(product.vendor_id) == balances(product.vendor_id).__class__(
        D("190.00"), D("0.00")
    )
    balanced()


def members_told(vendor) -> dict:
    return dict(
        Notification.objects.filter(kind=messages.PAYOUT)
        .values_list("recipient_id", "context__state")
        .order_by("recipient_id")
        .filter(recipient__vendor_memberships__vendor=vendor)
    )


def paid_out(clock):
    rate("0.0500")
    product = crayfish("100.00")
    owner = owner_of(product.vendor)
    helper = VendorMemberFactory(vendor=product.vendor, role="staff").user
    bank_account(product.vendor)
    sold_and_received(product, 2)
    clock.shift(DAY)
    (payout,) = payouts.create_run(D("100.00"), by=None).payouts.all()
    return product.vendor, payout, (owner, helper)


def test_a_payout_marked_paid_keeps_the_banks_reference_and_every_member_is_told(clock):
    vendor, payout, members = paid_out(clock)
    payouts.mark_paid(payout, bank_reference=" ABC123 ", by=None)
    payout.refresh_from_db()
    assert (payout.state, payout.bank_reference) == (Payout.State.PAID, "ABC123")
    assert members_told(vendor) == {m.pk: "paid" for m in members}
    before = rows()
    with pytest.raises(ValidationError) as again:
        payouts.mark_failed(payout, reason="closed account", by=None)
    assert again.value.messages == ["This payout is paid already."]
    assert rows() == before
    assert Payout.objects.get(pk=payout.pk).state == Payout.State.PAID
    balanced()


def test_a_failed_payout_returns_the_money_and_every_member_is_told_why(clock):
    vendor, payout, members = paid_out(clock)
    payouts.mark_failed(payout, reason="Account closed", by=None)
    payout.refresh_from_db()
    assert (payout.state, payout.failure_reason) == (Payout.State.FAILED, "Account closed")
    returned = LedgerEntry.objects.get(kind=Kind.PAYOUT_RETURNED)
    assert (returned.amount, returned.payout, returned.note) == (
        D("190.00"),
        payout,
        "Account closed",
    )
    assert balances(vendor.pk).available == D("190.00")
    assert members_told(vendor) == {m.pk: "failed" for m in members}
    with pytest.raises(ValidationError):
        payouts.mark_paid(payout, bank_reference="LATE", by=None)
    assert LedgerEntry.objects.filter(kind=Kind.PAYOUT_RETURNED).count() == 1
    balanced()
    # The next run pays it again.
    (again,) = payouts.create_run(D("100.00"), by=None).payouts.all()
    assert again.amount == D("190.00")
    balanced()


def test_a_refund_after_a_payout_goes_negative_and_the_next_run_nets_it(clock):
    rate("0.0500")
    product = crayfish("100.00")
    bank_account(product.vendor)
    order = sold_and_received(product, 2)
    clock.shift(DAY)
    payouts.create_run(D("100.00"), by=None)
    assert paid_of(product.vendor) == [D("190.00")]

    aftersales.approve(report(first_line(order), quantity=1), by=owner_of(product.vendor))

    assert balances(product.vendor_id) == balances(product.vendor_id).__class__(
        D("-95.00"), D("-95.00")
    )
    balanced()
    # Another sale of ¥95 brings it to nothing: no payout.
    sold_and_received(product, 1)
    clock.shift(DAY)
    with pytest.raises(ValidationError) as nothing:
        payouts.create_run(D("100.00"), by=None)
    assert nothing.value.messages == [str(payouts.NOTHING_TO_PAY)]
    # ¥190 more: ¥190 available, netted, reaches the minimum again.
    sold_and_received(product, 2)
    clock.shift(DAY)
    (payout,) = payouts.create_run(D("100.00"), by=None).payouts.all()
    assert payout.amount == D("190.00")
    assert paid_of(product.vendor) == [D("190.00"), D("190.00")]
    assert balances(product.vendor_id).total == 0
    balanced()

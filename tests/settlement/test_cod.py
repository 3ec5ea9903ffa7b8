"""Cash on delivery: the shop's courier holds the money, so nothing is booked until
receipt, when the commission on the goods the shopper kept is owed at once; a refund the
shop owes its shopper is taken from its balance with the commission on it returned."""

import pytest
from django.utils import timezone

from aftersales import services as aftersales
from orders import services as order_services
from orders.shipping.services.delivery import confirm_receipt
from settlement.models import LedgerEntry
from settlement.selectors import balances
from settlement.services import booking
from tests.aftersales.helpers import (
    cancel_line,
    crayfish,
    lines_of,
    owner_of,
    placed,
    received,
    report,
    shipped,
    with_freight,
)
from tests.factories import CategoryFactory
from tests.settlement.helpers import D, Kind, assert_only_added, balanced, entries, rate, rows

pytestmark = pytest.mark.django_db


def eggs_and_fish():
    """One shop: eggs (¥30, their category at 10%) and crayfish (¥50, the default 5%)."""
    rate("0.0500")
    eggs_category = CategoryFactory()
    rate("0.1000", category=eggs_category)
    eggs = crayfish("30.00", category=eggs_category)
    fish = crayfish("50.00", vendor=eggs.vendor)
    with_freight(eggs.vendor)
    return eggs, fish


def test_nothing_is_booked_until_receipt_then_the_commission_is_owed_at_once():
    eggs, fish = eggs_and_fish()
    order = placed((eggs, 2), (fish, 1))
    shipped(order)
    assert LedgerEntry.objects.count() == 0
    confirm_receipt(order.parts.get(), by=order.shopper)
    entry = LedgerEntry.objects.get()
    assert (entry.kind, entry.amount, entry.part, entry.vendor) == (
        Kind.COD_COMMISSION,
        D("-8.50"),
        order.parts.get(),
        eggs.vendor,
    )
    assert entry.available_at <= timezone.now()
    assert balances(eggs.vendor_id).available == D("-8.50")
    balanced()


def test_receipt_heard_twice_charges_the_commission_once():
    eggs, fish = eggs_and_fish()
    order = received(placed((eggs, 2), (fish, 1)))
    before = rows()
    assert booking.book_part_received(order, order.parts.get()) == []
    assert rows() == before


def test_a_line_cancelled_before_shipment_is_owed_back_and_not_charged_commission():
    eggs, fish = eggs_and_fish()
    order = placed((eggs, 2), (fish, 1))
    _eggs_line, fish_line = lines_of(order)
    request = aftersales.approve(cancel_line(fish_line), by=owner_of(eggs.vendor))
    # The courier collects the whole order: the shop owes the shopper the crayfish.
    owed = LedgerEntry.objects.get()
    assert (owed.kind, owed.amount, owed.request) == (Kind.REFUND, D("-50.00"), request)
    assert owed.available_at <= timezone.now()

    received(order)

    assert entries(eggs.vendor) == [
        (Kind.REFUND, D("-50.00")),
        (Kind.COD_COMMISSION, D("-6.00")),  # on the eggs kept only
    ]
    assert balances(eggs.vendor_id).available == D("-56.00")
    balanced()


def test_an_after_sales_refund_after_receipt_is_owed_by_the_shop_with_its_commission_back():
    eggs, fish = eggs_and_fish()
    order = received(placed((eggs, 2), (fish, 1)))
    _eggs_line, fish_line = lines_of(order)
    before = rows()
    request = aftersales.approve(report(fish_line), by=owner_of(eggs.vendor))
    assert_only_added(before)
    taken = LedgerEntry.objects.filter(request=request).order_by("id")
    assert [(e.kind, e.amount, e.refund) for e in taken] == [
        (Kind.REFUND, D("-50.00"), None),
        (Kind.COMMISSION_BACK, D("2.50"), None),
    ]
    assert balances(eggs.vendor_id).available == D("-56.00")
    report_ = balanced()
    assert report_.total.owed_to_shoppers == D("50.00")


def test_an_owed_refund_heard_twice_is_taken_once():
    eggs, fish = eggs_and_fish()
    order = received(placed((eggs, 2), (fish, 1)))
    _eggs_line, fish_line = lines_of(order)
    request = aftersales.approve(report(fish_line), by=owner_of(eggs.vendor))
    before = rows()
    assert booking.book_owed_refund(request, D("50.00"), D("0.00")) == []
    assert rows() == before
    balanced()


@pytest.mark.parametrize("who", ["shop", "shopper"])
def test_a_part_cancelled_after_one_of_its_lines_owes_the_shopper_nothing(who):
    """The crayfish were cancelled (owed back: the courier was to collect the whole
    order); then the part itself is cancelled: the courier collects nothing, so the
    shop owes nothing."""
    eggs, fish = eggs_and_fish()
    order = placed((eggs, 2), (fish, 1))
    _eggs_line, fish_line = lines_of(order)
    aftersales.approve(cancel_line(fish_line), by=owner_of(eggs.vendor))
    assert balances(eggs.vendor_id).total == D("-50.00")
    before = rows()

    if who == "shop":
        order_services.cancel_part(order.parts.get(), reason="冻害", by=None)
    else:
        order_services.cancel_order(order, by=order.shopper)

    assert_only_added(before)
    assert entries(eggs.vendor) == [(Kind.REFUND, D("-50.00")), (Kind.REFUND, D("50.00"))]
    reversal = LedgerEntry.objects.get(reverses__isnull=False)
    assert reversal.reverses == LedgerEntry.objects.get(amount=D("-50.00"))
    assert balances(eggs.vendor_id).total == 0
    balanced()

"""The entries each money event books, with exact amounts: an online payment, receipt
confirmed, a shop cancelling its paid part, a paid order cancelled whole, a bank
transfer confirmed and cancelled, staff adjustments and reversals; each hook heard twice
books once, and no flow ever changes or deletes an entry."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from aftersales import services as aftersales
from orders import services as order_services
from orders.models import OrderPart
from settlement.models import LedgerEntry, ShopAccount
from settlement.selectors import balances
from settlement.services import booking
from tests.aftersales.helpers import (
    cancel_line,
    crayfish,
    first_line,
    owner_of,
    paid_online,
    placed,
    received,
    shipped,
    staff_member,
    with_freight,
)
from tests.settlement.helpers import (
    D,
    Kind,
    account_of_each_shop_is_its_entries,
    assert_only_added,
    balanced,
    entries,
    rate,
    rows,
)


def two_shops(settings):
    """Shop A: 2 boxes at ¥88 (fee ¥10); shop B: 1 box at ¥50 (fee ¥8); 5% commission."""
    settings.SETTLEMENT_DELAY_DAYS = 7
    rate("0.0500")
    a, b = crayfish("88.00"), crayfish("50.00")
    with_freight(a.vendor)
    with_freight(b.vendor)
    return a, b


@pytest.mark.django_db(transaction=True)
def test_an_online_payment_books_sale_shipping_and_commission_waiting(sandbox_site, settings):
    a, b = two_shops(settings)
    order, _payment = paid_online((a, 2), (b, 1))
    assert entries(a.vendor) == [
        (Kind.SALE, D("176.00")),
        (Kind.SHIPPING, D("10.00")),
        (Kind.COMMISSION, D("-8.80")),
    ]
    assert entries(b.vendor) == [
        (Kind.SALE, D("50.00")),
        (Kind.SHIPPING, D("8.00")),
        (Kind.COMMISSION, D("-2.50")),
    ]
    assert not LedgerEntry.objects.filter(available_at__isnull=False).exists()
    assert balances(a.vendor_id) == balances(a.vendor_id).__class__(D("177.20"), D("0"))
    assert ShopAccount.objects.get(vendor=b.vendor).balance == D("55.50")
    balanced()


@pytest.mark.django_db(transaction=True)
def test_receipt_releases_the_part_exactly_the_delay_later(sandbox_site, settings):
    a, _b = two_shops(settings)
    order, _payment = paid_online((a, 2))
    before = rows()
    received(order)
    confirmed_at = OrderPart.objects.get(order=order).delivered_at
    added = assert_only_added(before)
    assert sorted((kind, amount) for kind, amount, *_ in added.values()) == [
        (Kind.RELEASED, D("177.20")),
        (Kind.RELEASED_FROM, D("-177.20")),
    ]
    released = LedgerEntry.objects.get(vendor=a.vendor, kind=Kind.RELEASED)
    assert released.available_at == released.booked_at + timedelta(days=7)
    assert abs(released.booked_at - confirmed_at) < timedelta(seconds=5)
    just_before = released.available_at - timedelta(microseconds=1)
    assert balances(a.vendor_id, at=just_before).available == 0
    assert balances(a.vendor_id, at=released.available_at).available == D("177.20")
    assert balances(a.vendor_id).pending == D("177.20")
    balanced()


@pytest.mark.django_db(transaction=True)
def test_a_shop_cancelling_its_paid_part_gives_back_all_of_it_with_its_commission(
    sandbox_site, settings
):
    a, b = two_shops(settings)
    order, _payment = paid_online((a, 2), (b, 1))
    part = order.parts.get(vendor=a.vendor)
    before = rows()
    order_services.cancel_part(part, reason="冻害", by=None)
    assert_only_added(before)
    assert entries(a.vendor)[3:] == [
        (Kind.REFUND, D("-186.00")),
        (Kind.COMMISSION_BACK, D("8.80")),
    ]
    assert balances(a.vendor_id).total == 0
    assert balances(b.vendor_id).total == D("55.50")  # the other shop keeps its part
    balanced()


@pytest.mark.django_db(transaction=True)
def test_a_paid_order_cancelled_whole_before_shipment_takes_back_each_part(sandbox_site, settings):
    a, b = two_shops(settings)
    order, _payment = paid_online((a, 2), (b, 1))
    order_services.cancel_order(order, by=order.shopper)
    assert entries(a.vendor)[3:] == [(Kind.REFUND, D("-186.00")), (Kind.COMMISSION_BACK, D("8.80"))]
    assert entries(b.vendor)[3:] == [(Kind.REFUND, D("-58.00")), (Kind.COMMISSION_BACK, D("2.50"))]
    assert balances(a.vendor_id).total == balances(b.vendor_id).total == 0
    balanced()


@pytest.mark.django_db(transaction=True)
def test_each_hook_heard_twice_books_once(sandbox_site, settings):
    a, b = two_shops(settings)
    order, _payment = paid_online((a, 2), (b, 1))
    parts = list(order.parts.order_by("pk"))
    before = rows()
    assert booking.book_parts_paid(order, parts) == []
    received(order)
    after_receipt = rows()
    for part in parts:
        assert booking.book_part_received(order, part) == []
    assert rows() == after_receipt
    assert len(after_receipt) == len(before) + 4
    balanced()


@pytest.mark.django_db
def test_a_bank_transfer_is_booked_when_staff_confirm_it_and_taken_back_when_cancelled():
    rate("0.0500")
    a, b = crayfish("88.00"), crayfish("50.00")
    with_freight(a.vendor)
    order = placed((a, 2), (b, 1), payment_method="bank_transfer")
    assert entries(a.vendor) == []  # not paid yet
    order_services.confirm_payment(order, by=staff_member())
    assert entries(a.vendor) == [
        (Kind.SALE, D("176.00")),
        (Kind.SHIPPING, D("10.00")),
        (Kind.COMMISSION, D("-8.80")),
    ]
    before = rows()
    order_services.cancel_part(order.parts.get(vendor=a.vendor), reason="冻害", by=None)
    assert_only_added(before)
    taken = LedgerEntry.objects.filter(
        vendor=a.vendor, kind__in=[Kind.REFUND, Kind.COMMISSION_BACK]
    )
    assert sorted(taken.values_list("kind", "amount", "refund")) == [
        (Kind.COMMISSION_BACK, D("8.80"), None),
        (Kind.REFUND, D("-186.00"), None),
    ]
    assert balances(a.vendor_id).total == 0
    assert balances(b.vendor_id).total == D("47.50")
    balanced()


@pytest.mark.django_db
def test_a_paid_bank_transfer_cancelled_whole_takes_back_each_part_once():
    rate("0.0500")
    a, b = crayfish("88.00"), crayfish("50.00")
    with_freight(a.vendor)
    order = placed((a, 2), (b, 1), payment_method="bank_transfer")
    order_services.confirm_payment(order, by=None)
    order_services.cancel_order(order, by=staff_member())
    assert entries(a.vendor)[3:] == [(Kind.REFUND, D("-186.00")), (Kind.COMMISSION_BACK, D("8.80"))]
    assert entries(b.vendor)[2:] == [(Kind.REFUND, D("-50.00")), (Kind.COMMISSION_BACK, D("2.50"))]
    before = rows()
    order.refresh_from_db()
    assert booking.book_parts_cancelled(order, list(order.parts.all())) == []
    assert rows() == before
    assert balances(a.vendor_id).total == balances(b.vendor_id).total == 0
    balanced()


@pytest.mark.django_db
def test_a_staff_adjustment_either_way_is_available_at_once():
    product = crayfish()
    staff = staff_member()
    booking.adjust(product.vendor_id, D("20.00"), note="Compensation: late pickup", by=staff)
    fine = booking.adjust(product.vendor_id, D("-5.50"), note="Fine: wrong label", by=staff)
    assert entries(product.vendor) == [(Kind.ADJUSTMENT, D("20.00")), (Kind.ADJUSTMENT, D("-5.50"))]
    assert (fine.note, fine.by) == ("Fine: wrong label", staff)
    assert balances(product.vendor_id) == balances(product.vendor_id).__class__(
        D("14.50"), D("14.50")
    )
    balanced()


@pytest.mark.django_db
def test_an_entry_is_reversed_once_and_a_reversal_is_not_reversed():
    product = crayfish()
    entry = booking.adjust(product.vendor_id, D("20.00"), note="typo", by=None)
    reversal = booking.reverse_entry(entry, note="Booked by mistake", by=None)
    assert (reversal.kind, reversal.amount, reversal.reverses) == (
        Kind.ADJUSTMENT,
        D("-20.00"),
        entry,
    )
    before = rows()
    with pytest.raises(ValidationError) as twice:
        booking.reverse_entry(entry, note="again", by=None)
    assert twice.value.messages == [str(booking.ALREADY_REVERSED)]
    with pytest.raises(ValidationError) as of_reversal:
        booking.reverse_entry(reversal, note="undo the undo", by=None)
    assert of_reversal.value.messages == [str(booking.REVERSAL_NOT_REVERSED)]
    assert rows() == before
    assert ShopAccount.objects.get(vendor=product.vendor).balance == 0
    balanced()


@pytest.mark.django_db
def test_reversing_a_dated_entry_waits_with_it():
    """A reversal counts when the entry it reverses counts: reversing money that becomes
    available next week takes nothing from what is available today."""
    rate("0.0500")
    product = crayfish("100.00")
    order = placed((product, 1), payment_method="bank_transfer")
    order_services.confirm_payment(order, by=None)
    received(order)
    released = LedgerEntry.objects.get(kind=Kind.RELEASED)
    reversal = booking.reverse_entry(released, note="Released twice by mistake", by=None)
    assert reversal.available_at == released.available_at
    assert balances(product.vendor_id).available == 0
    assert account_of_each_shop_is_its_entries()


@pytest.mark.django_db
def test_shipping_changes_no_entry():
    rate("0.0500")
    order = placed((crayfish(), 1), payment_method="bank_transfer")
    order_services.confirm_payment(order, by=None)
    before = rows()
    shipped(order)
    assert rows() == before


@pytest.mark.django_db
def test_a_balance_that_comes_to_nothing_reads_exactly_zero():
    """SQLite adds decimals as floats: ¥186.00 − ¥177.20 − ¥8.80 must read 0.00."""
    product = crayfish()
    for amount in ("186.00", "-177.20", "-8.80"):
        booking.adjust(product.vendor_id, D(amount), note="x", by=None)
    total = balances(product.vendor_id).total
    assert (str(total), str(balances(product.vendor_id).available)) == ("0.00", "0.00")


@pytest.mark.django_db
def test_every_line_of_a_paid_bank_transfer_cancelled_takes_the_part_back_once():
    """The shopper cancels each item before shipment: the part is cancelled with nothing
    left to ship, and its money is taken back once (staff send the shopper the money)."""
    rate("0.0500")
    product = crayfish("88.00")
    with_freight(product.vendor)
    order = placed((product, 2), payment_method="bank_transfer")
    order_services.confirm_payment(order, by=None)
    request = aftersales.approve(cancel_line(first_line(order)), by=owner_of(product.vendor))
    assert request.refunded_amount == D("186.00")
    assert OrderPart.objects.get(order=order).status == OrderPart.Status.CANCELLED
    taken = LedgerEntry.objects.filter(kind__in=[Kind.REFUND, Kind.COMMISSION_BACK])
    assert sorted(taken.values_list("kind", "amount")) == [
        (Kind.COMMISSION_BACK, D("8.80")),
        (Kind.REFUND, D("-186.00")),
    ]
    assert balances(product.vendor_id).total == 0
    balanced()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "note", "message"),
    [
        ("0.00", "typo", booking.ADJUSTMENT_AMOUNT),
        ("0.001", "typo", booking.ADJUSTMENT_AMOUNT),
        ("5.00", "  ", booking.ADJUSTMENT_REASON),
    ],
)
def test_an_adjustment_of_nothing_or_without_a_reason_is_refused(amount, note, message):
    product = crayfish()
    with pytest.raises(ValidationError) as refused:
        booking.adjust(product.vendor_id, D(amount), note=note, by=None)
    assert refused.value.messages == [str(message)]
    assert LedgerEntry.objects.count() == 0
    assert not ShopAccount.objects.filter(vendor=product.vendor, balance__gt=0).exists()

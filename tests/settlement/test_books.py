"""The books check catching each kind of planted error, naming the shop or the order:
a running balance changed behind the ledger's back, an entry written around `post`, a
paid part's entries deleted, a received part never released (or never charged)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders import services as order_services
from orders.models import OrderPart
from settlement.books import check_books
from settlement.models import LedgerEntry, ShopAccount
from tests.aftersales.helpers import crayfish, placed, received, shipped, with_freight
from tests.settlement.helpers import D, Kind, balanced, rate

pytestmark = pytest.mark.django_db


@pytest.fixture
def books():
    """Two shops' bank-transfer orders, paid and received, and a cash-on-delivery one:
    balanced to begin with."""
    rate("0.0500")
    a, b = crayfish("88.00"), crayfish("50.00")
    with_freight(a.vendor)
    paid = placed((a, 2), (b, 1), payment_method="bank_transfer")
    order_services.confirm_payment(paid, by=None)
    received(paid)
    cod = received(placed((b, 2)))
    balanced()
    return paid, cod, a.vendor, b.vendor


def test_a_running_balance_changed_outside_the_ledger_is_caught(books):
    _paid, _cod, shop, _other = books
    ShopAccount.objects.filter(vendor=shop).update(balance=D("999.00"))
    report = check_books()
    assert not report.balanced
    ((found),) = report.shops
    assert (found.vendor_name, found.running_balance, found.sum_of_entries, found.difference) == (
        shop.name,
        D("999.00"),
        D("177.20"),
        D("821.80"),
    )
    assert (report.orders, report.missing) == ({}, [])


def test_an_entry_written_around_post_is_caught(books):
    _paid, _cod, shop, _other = books
    LedgerEntry.objects.bulk_create(
        [LedgerEntry(vendor=shop, kind=Kind.ADJUSTMENT, amount=D("10.00"), note="a gift")]
    )
    report = check_books()
    assert not report.balanced
    assert [(s.vendor_name, s.difference) for s in report.shops] == [(shop.name, D("-10.00"))]


def test_a_paid_parts_entries_deleted_are_listed_as_a_missing_sale(books):
    paid, _cod, shop, _other = books
    part = paid.parts.get(vendor=shop)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM settlement_ledgerentry WHERE part_id = %s", [part.pk])
    report = check_books()
    assert not report.balanced
    assert [(m.order_number, m.part_id, m.vendor_name, m.missing) for m in report.missing] == [
        (paid.number, part.pk, shop.name, Kind.SALE)
    ]
    assert report.orders[paid.number].difference == D("186.00")
    assert [s.vendor_name for s in report.shops] == [shop.name]


def test_a_received_part_never_released_is_listed(books):
    _paid, _cod, shop, _other = books
    product = crayfish("88.00", vendor=shop)
    order = placed((product, 1), payment_method="bank_transfer")
    order_services.confirm_payment(order, by=None)
    shipped(order)
    part = order.parts.get()
    OrderPart.objects.filter(pk=part.pk).update(status=OrderPart.Status.DELIVERED)  # no hook
    report = check_books()
    assert not report.balanced
    assert [(m.order_number, m.vendor_name, m.missing) for m in report.missing] == [
        (order.number, shop.name, Kind.RELEASED)
    ]
    assert (report.shops, report.orders) == ([], {})


def test_a_cash_on_delivery_part_received_without_its_commission_is_listed(books):
    _paid, _cod, _shop, other = books
    product = crayfish("50.00", vendor=other)
    order = shipped(placed((product, 1)))
    OrderPart.objects.filter(order=order).update(status=OrderPart.Status.DELIVERED)
    report = check_books()
    assert [(m.order_number, m.vendor_name, m.missing) for m in report.missing] == [
        (order.number, other.name, Kind.COD_COMMISSION)
    ]


def test_an_entry_of_a_shop_with_no_account_is_caught_with_its_name(books):
    newcomer = crayfish().vendor
    LedgerEntry.objects.bulk_create(
        [LedgerEntry(vendor=newcomer, kind=Kind.ADJUSTMENT, amount=D("10.00"), note="a gift")]
    )
    report = check_books()
    assert [(s.vendor_name, s.running_balance, s.sum_of_entries) for s in report.shops] == [
        (newcomer.name, D("0"), D("10.00"))
    ]


def queries_of_check() -> int:
    with CaptureQueriesContext(connection) as captured:
        check_books()
    return len(captured)


def test_the_check_runs_the_same_queries_however_many_orders_and_shops(books):
    _paid, _cod, shop, _other = books
    few = queries_of_check()
    for _ in range(3):
        product = crayfish("20.00")
        order = placed(
            (product, 1), (crayfish("10.00", vendor=shop), 1), payment_method="bank_transfer"
        )
        order_services.confirm_payment(order, by=None)
        received(order)
    ShopAccount.objects.filter(vendor=shop).update(balance=D("1.00"))  # a difference to list
    assert queries_of_check() == few


def test_a_cash_on_delivery_part_whose_commission_rounds_to_nothing_is_not_listed(books):
    _paid, _cod, _shop, other = books
    order = received(placed((crayfish("0.09", vendor=other), 1)))  # 5%: ¥0.0045, ¥0.00
    assert not LedgerEntry.objects.filter(part__order=order).exists()
    balanced()

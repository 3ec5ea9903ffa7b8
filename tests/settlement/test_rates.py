"""Which commission rate a line is sold at, and that it keeps it: the shop's beats its
category's (inherited by subcategories), which beats the default; a new rate applies to
orders placed after it, never to one placed before; a scheduled rate waits its moment."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from orders import services as order_services
from settlement.models import LedgerEntry
from tests.aftersales.helpers import crayfish, first_line, placed, received, with_freight
from tests.factories import CategoryFactory
from tests.settlement.helpers import D, Kind, balanced, entries, rate

pytestmark = pytest.mark.django_db


def bank_transfer(*items):
    return placed(*items, payment_method="bank_transfer")


def commission_of(order) -> list:
    return list(
        LedgerEntry.objects.filter(part__order=order, kind=Kind.COMMISSION).values_list(
            "amount", flat=True
        )
    )


def test_the_default_rate_applies_with_no_other():
    rate("0.0500")
    order = placed((crayfish("88.00"), 2))
    assert first_line(order).commission_rate == D("0.0500")


def test_a_categorys_rate_beats_the_default_and_its_subcategories_inherit_it():
    rate("0.0500")
    fruit = CategoryFactory()
    citrus = CategoryFactory(parent=fruit)
    navel = CategoryFactory(parent=citrus)
    rate("0.0800", category=fruit)
    rate("0.0300", category=citrus)
    in_fruit = placed((crayfish(category=fruit), 1))
    in_navel = placed((crayfish(category=navel), 1))  # nearest ancestor: citrus
    elsewhere = placed((crayfish(category=CategoryFactory()), 1))
    assert first_line(in_fruit).commission_rate == D("0.0800")
    assert first_line(in_navel).commission_rate == D("0.0300")
    assert first_line(elsewhere).commission_rate == D("0.0500")


def test_a_shops_rate_beats_its_categorys_and_the_default():
    fruit = CategoryFactory()
    product = crayfish(category=fruit)
    rate("0.0500")
    rate("0.0800", category=fruit)
    rate("0.0200", vendor=product.vendor)
    other = crayfish(category=fruit)
    order = placed((product, 1), (other, 1))
    by_vendor = {line.part.vendor_id: line.commission_rate for line in order_lines(order)}
    assert by_vendor == {product.vendor_id: D("0.0200"), other.vendor_id: D("0.0800")}


def order_lines(order):
    return [line for part in order.parts.all() for line in part.lines.select_related("part")]


def test_no_rate_at_all_books_no_commission(settings):
    product = crayfish("88.00")
    order = bank_transfer((product, 2))
    assert first_line(order).commission_rate is None
    order_services.confirm_payment(order, by=None)
    assert entries(product.vendor) == [(Kind.SALE, D("176.00"))]
    balanced()


def test_a_rate_added_mid_period_applies_to_later_orders_and_never_rewrites_earlier_ones():
    start = timezone.now() - timedelta(days=3)
    rate("0.0500", at=start)
    product = crayfish("100.00")
    with_freight(product.vendor)
    before = bank_transfer((product, 1))
    rate("0.1000")  # from now
    after = bank_transfer((product, 1))
    assert first_line(before).commission_rate == D("0.0500")
    assert first_line(after).commission_rate == D("0.1000")

    # The earlier order is paid and received after the change: still at its own rate.
    for order in (before, after):
        order_services.confirm_payment(order, by=None)
        received(order)
    assert commission_of(before) == [D("-5.00")]
    assert commission_of(after) == [D("-10.00")]
    balanced()


def test_a_scheduled_rate_does_not_apply_before_it_takes_effect():
    rate("0.0500")
    soon = timezone.now() + timedelta(days=2)
    rate("0.1500", at=soon)
    product = crayfish("100.00")
    order = placed((product, 1))
    assert first_line(order).commission_rate == D("0.0500")
    with time_machine.travel(soon + timedelta(minutes=1), tick=False):
        later = placed((product, 1))
    assert first_line(later).commission_rate == D("0.1500")

"""Refunds as the ledger books them: an after-sales refund of one line (its commission
back at its own rate), a refund after release (available with the released money, or at
once once that is available), a refund the gateway refused (reversed, unless an
after-sales shopper is owed it), and refunds of money no shop ever received."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from aftersales import services as aftersales
from catalog.models import Product
from orders import services as order_services
from orders.shipping.services.delivery import confirm_due_receipts, confirm_receipt
from payments.gateways.base import RefundState
from payments.models import Payment, Refund
from payments.services.refunds import record_refund_answer
from settlement.models import LedgerEntry
from settlement.selectors import balances
from settlement.services import booking
from tests.aftersales.helpers import (
    cancel_line,
    crayfish,
    lines_of,
    owner_of,
    paid_online,
    received,
    report,
    shipped,
    with_freight,
)
from tests.factories import CategoryFactory
from tests.payments.test_notifications import notification, pay_with_notice_lost, post
from tests.settlement.helpers import D, Kind, assert_only_added, balanced, entries, rate, rows
from tests.support.online_orders import checkout, dead_url
from tests.support.online_orders import start as start_payment

pytestmark = pytest.mark.django_db(transaction=True)


def eggs_and_fish():
    """One shop: eggs (¥30, their category at 10%) and crayfish (¥50, the default 5%)."""
    rate("0.0500")
    eggs_category = CategoryFactory()
    rate("0.1000", category=eggs_category)
    eggs = crayfish("30.00", category=eggs_category)
    fish = crayfish("50.00", vendor=eggs.vendor)
    with_freight(eggs.vendor)  # 3 kg: ¥12
    return eggs, fish


def test_an_after_sales_refund_of_one_line_gives_back_that_lines_commission(sandbox_site, settings):
    settings.SETTLEMENT_DELAY_DAYS = 7
    eggs, fish = eggs_and_fish()
    order, _payment = paid_online((eggs, 2), (fish, 1))
    vendor = eggs.vendor
    assert entries(vendor) == [
        (Kind.SALE, D("110.00")),
        (Kind.SHIPPING, D("12.00")),
        (Kind.COMMISSION, D("-8.50")),  # 6.00 on the eggs + 2.50 on the crayfish
    ]
    received(order)
    release_at = LedgerEntry.objects.get(kind=Kind.RELEASED).available_at
    _eggs_line, fish_line = lines_of(order)
    before = rows()
    request = aftersales.approve(report(fish_line), by=owner_of(vendor))
    assert_only_added(before)
    taken = LedgerEntry.objects.filter(refund=request.refund).order_by("id")
    assert [(e.kind, e.amount, e.available_at) for e in taken] == [
        (Kind.REFUND, D("-50.00"), release_at),  # with the released money
        (Kind.COMMISSION_BACK, D("2.50"), release_at),
    ]
    assert balances(vendor.pk, at=release_at).available == D("113.50") - D("47.50")
    balanced()


def test_a_refund_once_the_money_is_available_is_taken_from_it_at_once(sandbox_site, settings):
    settings.SETTLEMENT_DELAY_DAYS = 1
    eggs, fish = eggs_and_fish()
    order, _payment = paid_online((eggs, 2), (fish, 1))
    received(order)
    _eggs_line, fish_line = lines_of(order)
    with time_machine.travel(timezone.now() + timedelta(days=1, hours=1), tick=False):
        assert balances(eggs.vendor_id).available == D("113.50")
        request = aftersales.approve(report(fish_line), by=owner_of(eggs.vendor))
        now = timezone.now()
        taken = LedgerEntry.objects.filter(refund=request.refund)
        assert sorted(taken.values_list("kind", "amount", "available_at")) == [
            (Kind.COMMISSION_BACK, D("2.50"), now),
            (Kind.REFUND, D("-50.00"), now),
        ]
        assert balances(eggs.vendor_id).available == D("66.00")
        balanced()


def test_a_refund_the_gateway_refuses_is_given_back_to_the_shop(sandbox_site, settings):
    eggs, fish = eggs_and_fish()
    order, payment = paid_online((eggs, 2), (fish, 1))
    settings.SITE_URL = dead_url()  # the refund waits, pending
    order_services.cancel_part(order.parts.get(), reason="冻害", by=None)
    refund = Refund.objects.get(payment=payment)
    assert balances(eggs.vendor_id).total == 0
    before = rows()

    record_refund_answer(refund, RefundState(refund.refund_number, "failed", raw={"code": "x"}))

    added = assert_only_added(before)
    assert sorted((kind, amount) for kind, amount, *_ in added.values()) == [
        (Kind.COMMISSION_BACK, D("-8.50")),
        (Kind.REFUND, D("122.00")),
    ]
    assert balances(eggs.vendor_id).total == D("113.50")
    balanced()


def test_an_after_sales_refund_the_gateway_refuses_stays_taken_from_the_shop(
    sandbox_site, settings
):
    eggs, fish = eggs_and_fish()
    order, payment = paid_online((eggs, 2), (fish, 1))
    shipped(order)
    settings.SITE_URL = dead_url()
    _eggs_line, fish_line = lines_of(order)
    aftersales.approve(report(fish_line), by=owner_of(eggs.vendor))
    refund = Refund.objects.get(payment=payment)
    assert balances(eggs.vendor_id).total == D("66.00")
    before = rows()

    record_refund_answer(refund, RefundState(refund.refund_number, "failed", raw={"code": "x"}))

    assert rows() == before  # the shopper is owed it: the shop keeps none of it
    assert balances(eggs.vendor_id).total == D("66.00")
    report_ = balanced()
    assert report_.total.owed_to_shoppers == D("50.00")


def test_a_second_payment_of_a_paid_order_takes_nothing_from_the_shop(sandbox_site, client):
    eggs, fish = eggs_and_fish()
    order = checkout((eggs, 2), (fish, 1), payment_method="alipay")
    by_alipay, by_wechat = start_payment(order, "alipay"), start_payment(order, "wechat_pay")
    alipay_trade, wechat_trade = pay_with_notice_lost(by_alipay), pay_with_notice_lost(by_wechat)
    post(client, "alipay", *notification(alipay_trade))
    before = rows()

    post(client, "wechat_pay", *notification(wechat_trade))

    assert Refund.objects.get().reason == Refund.Reason.PAID_TWICE
    assert Payment.objects.get(pk=by_wechat.pk).state == Payment.State.REFUNDED
    assert rows() == before
    assert balances(eggs.vendor_id).total == D("113.50")
    balanced()


def test_a_payment_after_the_order_closed_takes_nothing_from_the_shop(
    sandbox_site, client, settings
):
    eggs, fish = eggs_and_fish()
    order = checkout((eggs, 2), (fish, 1), payment_method="alipay")
    payment = start_payment(order, "alipay")
    trade = pay_with_notice_lost(payment)
    site, settings.SITE_URL = settings.SITE_URL, dead_url()
    order_services.cancel_order(order, by=order.shopper)
    settings.SITE_URL = site

    post(client, "alipay", *notification(trade))

    assert Refund.objects.get().reason == Refund.Reason.PAID_AFTER_CLOSE
    assert LedgerEntry.objects.count() == 0
    assert Product.objects.get(pk=eggs.pk).stock == 100
    balanced()


def test_the_old_total_paid_after_a_shop_cancelled_its_part_takes_nothing_from_the_other(
    sandbox_site, client, settings
):
    """The shopper paid the trade of the old total just as a shop cancelled its part
    (the gateway's word arrives after): the order is paid, and what the cancelled part
    cost goes back at once. That money never reached any shop: the shop that sells
    keeps all of its part."""
    rate("0.0500")
    cancelled, kept = crayfish("30.00"), crayfish("20.00")
    order = checkout((cancelled, 1), (kept, 1), payment_method="alipay")
    old_total = start_payment(order, "alipay")
    trade = pay_with_notice_lost(old_total)
    site, settings.SITE_URL = settings.SITE_URL, dead_url()  # its close cannot reach it
    order_services.cancel_part(order.parts.get(vendor=cancelled.vendor), reason="没货了", by=None)
    settings.SITE_URL = site

    post(client, "alipay", *notification(trade))

    refund = Refund.objects.get()
    assert (refund.amount, refund.reason, refund.part, refund.state) == (
        D("30.00"),
        Refund.Reason.PART_CANCELLED,
        None,
        Refund.State.SUCCEEDED,
    )
    assert entries(kept.vendor) == [(Kind.SALE, D("20.00")), (Kind.COMMISSION, D("-1.00"))]
    assert entries(cancelled.vendor) == []
    balanced()


def test_a_refund_heard_twice_is_taken_once(sandbox_site):
    eggs, fish = eggs_and_fish()
    order, _payment = paid_online((eggs, 2), (fish, 1))
    received(order)
    _eggs_line, fish_line = lines_of(order)
    request = aftersales.approve(report(fish_line), by=owner_of(eggs.vendor))
    before = rows()
    assert booking.book_refund(Refund.objects.get(pk=request.refund_id)) == []
    assert rows() == before
    balanced()


def test_a_part_cancelled_after_one_of_its_lines_takes_the_rest_with_the_rest_of_its_commission(
    sandbox_site,
):
    eggs, fish = eggs_and_fish()
    order, _payment = paid_online((eggs, 2), (fish, 1))
    _eggs_line, fish_line = lines_of(order)
    aftersales.approve(cancel_line(fish_line), by=owner_of(eggs.vendor))
    assert entries(eggs.vendor)[3:] == [
        (Kind.REFUND, D("-50.00")),
        (Kind.COMMISSION_BACK, D("2.50")),
    ]

    order_services.cancel_part(order.parts.get(), reason="冻害", by=None)

    assert entries(eggs.vendor)[5:] == [
        (Kind.REFUND, D("-72.00")),
        (Kind.COMMISSION_BACK, D("6.00")),
    ]
    assert balances(eggs.vendor_id).total == 0
    balanced()


def test_an_order_cancelled_after_one_shop_cancelled_its_part_takes_the_rest_from_the_other(
    sandbox_site,
):
    eggs, fish = eggs_and_fish()
    other = crayfish("40.00")
    with_freight(other.vendor)  # 1 kg: ¥8
    order, _payment = paid_online((eggs, 2), (fish, 1), (other, 1))
    order_services.cancel_part(order.parts.get(vendor=eggs.vendor), reason="冻害", by=None)
    order_services.cancel_order(order, by=order.shopper)
    assert entries(other.vendor) == [
        (Kind.SALE, D("40.00")),
        (Kind.SHIPPING, D("8.00")),
        (Kind.COMMISSION, D("-2.00")),
        (Kind.REFUND, D("-48.00")),
        (Kind.COMMISSION_BACK, D("2.00")),
    ]
    assert balances(eggs.vendor_id).total == balances(other.vendor_id).total == 0
    assert Payment.objects.get(order=order).state == Payment.State.REFUNDED
    balanced()


def test_receipt_confirmed_by_the_sweep_releases_the_part_like_the_shopper(sandbox_site, settings):
    settings.SETTLEMENT_DELAY_DAYS = 7
    eggs, fish = eggs_and_fish()
    order, _payment = paid_online((eggs, 2), (fish, 1))
    shipped(order)
    later = timezone.now() + timedelta(days=30)
    assert confirm_due_receipts(now=later) == 1
    released = LedgerEntry.objects.get(kind=Kind.RELEASED)
    assert released.amount == D("113.50")
    assert released.available_at == released.booked_at + timedelta(days=7)
    balanced()


def test_a_refund_before_receipt_waits_with_the_part_and_receipt_releases_what_is_left(
    sandbox_site, settings
):
    settings.SETTLEMENT_DELAY_DAYS = 7
    eggs, fish = eggs_and_fish()
    order, _payment = paid_online((eggs, 2), (fish, 1))
    shipped(order)
    _eggs_line, fish_line = lines_of(order)
    request = aftersales.approve(report(fish_line, amount=D("20.00")), by=owner_of(eggs.vendor))
    taken = LedgerEntry.objects.filter(refund=request.refund).order_by("id")
    assert [(e.kind, e.amount, e.available_at) for e in taken] == [
        (Kind.REFUND, D("-20.00"), None),
        (Kind.COMMISSION_BACK, D("1.00"), None),  # 5% of the ¥20 given back
    ]
    confirm_receipt(order.parts.get(), by=order.shopper)
    released = LedgerEntry.objects.get(kind=Kind.RELEASED)
    assert released.amount == D("113.50") - D("19.00")
    assert balances(eggs.vendor_id).pending == D("94.50")
    balanced()

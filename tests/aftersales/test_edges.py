"""The edges a review found: a cancellation the shop overtook by shipping, an offer on a
cancellation, the last unit's cap after a unit claimed for little, flash-sale units
given back with a cancelled line (once), and a refused complaint asked again."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from aftersales import services
from aftersales.amounts import goods_cap
from aftersales.messages import TO_SHOPPER
from aftersales.states import State
from catalog.models import Category, Promotion
from catalog.reference.hubei import FRESH_CATEGORIES
from notifications.delivery import deliver_pending
from notifications.models import Notification
from orders import services as order_services
from orders.shipping.services.delivery import confirm_receipt
from payments.gateways.base import RefundState
from payments.models import Refund
from payments.services.refunds import record_refund_answer
from tests.aftersales.helpers import (
    Kind,
    cancel_line,
    crayfish,
    first_line,
    fresh,
    owner_of,
    paid_online,
    placed,
    received,
    reload,
    report,
    shipped,
    staff_member,
    stock_of,
    timeline,
)
from tests.factories import running_promotion
from tests.support.online_orders import dead_url


def test_a_cancellation_the_shop_shipped_before_answering_is_refused_and_then_closed(db):
    product = crayfish()
    order = placed((product, 2))
    request = cancel_line(first_line(order))
    shipped(order)  # the shop shipped instead of answering

    with pytest.raises(ValidationError) as refused:
        services.approve(request, by=owner_of(product.vendor))
    assert "has shipped since the request to cancel it" in refused.value.messages[0]
    assert reload(request).state == State.REQUESTED
    assert fresh(first_line(order)).refunded_amount == 0

    # Its deadline passes: the sweep closes it rather than refunding goods on their way.
    services.sweep_due_requests(now=timezone.now() + timedelta(days=3))
    assert reload(request).state == State.CLOSED
    assert fresh(first_line(order)).refunded_amount == 0
    assert stock_of(product) == 98


def test_a_cancellation_cannot_be_met_with_an_offer(db):
    order = placed((crayfish(), 2))
    request = cancel_line(first_line(order))

    with pytest.raises(ValidationError) as refused:
        services.offer(request, amount=Decimal("1.00"), note="", by=None)
    assert "refunded in full" in refused.value.messages[0]
    assert reload(request).state == State.REQUESTED


def test_a_unit_claimed_for_little_never_makes_the_last_units_worth_more(db):
    order = received(placed((crayfish("10.00"), 3)))
    line = first_line(order)
    assert [goods_cap(line, n) for n in (1, 2, 3)] == [
        Decimal("10.00"),
        Decimal("20.00"),
        Decimal("30.00"),
    ]
    services.approve(report(line, quantity=1, amount=Decimal("0.01")), by=None)

    line = fresh(line)
    # Two units left, worth what two units cost (not the ¥29.99 left of the line).
    assert goods_cap(line, 2) == Decimal("20.00")
    assert goods_cap(line, 1) == Decimal("10.00")


def test_a_cancelled_line_gives_its_flash_sale_units_back_once(db):
    product = crayfish()
    sale = running_promotion(product, units_cap=10)
    order = placed((product, 3))
    sale.refresh_from_db()
    assert sale.units_sold == 3

    services.approve(cancel_line(first_line(order), quantity=2), by=None)
    assert Promotion.objects.get(pk=sale.pk).units_sold == 1

    part = first_line(order).part
    order_services.cancel_part(part, reason="售罄", by=None)
    assert Promotion.objects.get(pk=sale.pk).units_sold == 0  # the last unit, not three
    assert stock_of(product) == 100


def test_a_refusal_that_stood_cannot_be_asked_again_but_a_withdrawal_can(db):
    order = received(placed((crayfish(), 1), (crayfish(), 1)))
    refused_line, withdrawn_line = [line for part in order.parts.all() for line in part.lines.all()]
    services.refuse(report(refused_line), reason="They were alive.", by=None)
    services.sweep_due_requests(now=timezone.now() + timedelta(days=4))
    services.withdraw(report(withdrawn_line), by=None)

    with pytest.raises(ValidationError) as again:
        report(refused_line)
    assert "cannot be asked again" in again.value.messages[0]
    assert report(withdrawn_line, kind=Kind.RETURN_REFUND).state == State.REQUESTED


def test_a_part_whose_every_item_was_cancelled_is_cancelled_with_nothing_left_to_ship(db):
    product = crayfish()
    order = placed((product, 2))
    services.approve(cancel_line(first_line(order)), by=owner_of(product.vendor))

    part = first_line(order).part
    assert part.status == "cancelled"
    order.refresh_from_db()
    assert order.status == "cancelled"
    # Cash on delivery: the courier collects nothing for it, so nothing is owed.
    assert not order.aftersales.get().owed_by_shop
    assert stock_of(product) == 100  # back once, not twice


def test_a_refund_the_gateway_refuses_is_owed_to_the_shopper_who_is_told(sandbox_site, settings):
    order, payment = paid_online((crayfish(), 1))
    shipped(order)
    settings.SITE_URL = dead_url()  # the gateway cannot be reached: the refund waits
    request = services.approve(report(first_line(order)), by=None)
    refund = Refund.objects.get(payment=payment)
    assert refund.state == Refund.State.PENDING

    record_refund_answer(refund, RefundState(refund.refund_number, "failed", raw={"code": "40004"}))

    request = reload(request)
    assert request.state == State.REFUNDED and request.owed_by_shop
    assert timeline(request)[-1] == (State.REFUNDED, "system")
    payment.refresh_from_db()
    # Nothing left the gateway, but the money stays spoken for: no later cancellation
    # or staff refund pays it out a second time.
    assert payment.refundable == 0
    assert "could not refund" in told_text(order.shopper)
    told = Notification.objects.filter(recipient=order.shopper, kind=TO_SHOPPER).order_by("pk")
    assert told.last().context["step"] == State.REFUNDED
    # The line's money stays taken back: the shop is not paid it, and it is not asked twice.
    assert fresh(first_line(order)).refundable_amount == 0


def test_hubeis_fresh_categories_answer_within_48_hours_from_the_migration(db):
    # catalog 0003 loads Hubei's categories; 0013 gives the fresh ones their window.
    hours = dict(Category.objects.values_list("slug", "aftersales_hours"))
    assert {slug: hours[slug] for slug in FRESH_CATEGORIES} == dict.fromkeys(FRESH_CATEGORIES, 48)
    assert hours["tea"] is None  # the store's default: 7 days


def told_text(user) -> str:
    """The user's after-sales messages as delivered (English inbox)."""
    deliver_pending()
    return "\n".join(
        Notification.objects.filter(recipient=user, kind=TO_SHOPPER).values_list("body", flat=True)
    )


def test_a_cancellation_refused_because_the_shop_shipped_leaves_a_complaint_open(db):
    order = placed((crayfish(), 2))
    line = first_line(order)
    request = cancel_line(line)
    shipped(order)
    services.refuse(request, reason="已经发货了", by=None)
    services.sweep_due_requests(now=timezone.now() + timedelta(days=4))  # the refusal stands
    confirm_receipt(line.part, by=order.shopper)

    assert report(line).state == State.REQUESTED  # dead on arrival: still asked


def test_staff_decide_a_cancellation_in_full_or_not_at_all(db):
    order = placed((crayfish(), 2))
    request = cancel_line(first_line(order))
    services.refuse(request, reason="已打包", by=None)
    request = services.escalate(reload(request), note="还没发货", by=order.shopper)

    with pytest.raises(ValidationError) as refused:
        services.decide(request, amount=Decimal("10.00"), note="一半", by=staff_member())
    assert "in full" in refused.value.messages[0]
    assert reload(request).state == State.ESCALATED

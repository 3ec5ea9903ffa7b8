"""Beat's sweep acts for whoever lets a deadline pass, with the clock moved: the shop's
silence approves (a return too, the goods staying with the shopper), the shopper's
silence takes an offer or lets a refusal stand, a return not sent closes, goods sent
back but not confirmed are taken as received. Escalations wait for staff. A request
answered just before the sweep reaches it is left as answered."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from aftersales import services
from aftersales.models import AfterSalesRequest
from aftersales.services.sweeps import SWEPT_STATES, act_for_the_late
from aftersales.states import State
from aftersales.tasks import sweep_aftersales_task
from orders import services as order_services
from orders.models import OrderPart
from tests.aftersales.helpers import (
    Kind,
    Reason,
    cancel_line,
    crayfish,
    first_line,
    fresh,
    owner_of,
    placed,
    received,
    reload,
    report,
    stock_of,
    timeline,
)

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SYSTEM = "system"


def at(hours, call=sweep_aftersales_task):
    """`call()` with the clock `hours` after T0."""
    with time_machine.travel(T0 + timedelta(hours=hours), tick=False):
        return call()


@pytest.fixture
def product(db):
    return crayfish()


@pytest.fixture
def line(product):
    with time_machine.travel(T0 - timedelta(hours=1), tick=False):
        return first_line(received(placed((product, 2))))


def opened(line, **fields):
    return at(0, lambda: report(line, **fields))


def test_a_request_the_shop_did_not_answer_is_approved_after_the_reply_hours(line):
    request = opened(line)
    assert request.due_at == T0 + timedelta(hours=48)

    assert at(47.9) == 0
    assert reload(request).state == State.REQUESTED
    assert at(48) == 1
    assert at(48.1) == 0  # once

    request = reload(request)
    assert request.state == State.REFUNDED and request.owed_by_shop
    assert fresh(line).refunded_amount == Decimal("176.00")
    assert timeline(request)[-1] == (State.REFUNDED, SYSTEM)
    assert request.events.get(to_state=State.REFUNDED).by is None


def test_a_return_the_shop_did_not_answer_is_refunded_and_the_goods_stay(line, product):
    request = opened(line, kind=Kind.RETURN_REFUND, reason=Reason.NOT_NEEDED, photos=0)
    assert at(49) == 1
    request = reload(request)
    assert request.state == State.REFUNDED and request.received_back_at is None
    assert fresh(line).refunded_quantity == 2
    assert stock_of(product) == 98  # nothing came back to put on sale


def test_an_offer_the_shopper_did_not_answer_is_taken(line):
    request = opened(line)
    request = at(1, lambda: services.offer(request, amount=Decimal("50"), note="", by=None))
    assert request.due_at == T0 + timedelta(hours=1 + 72)
    assert at(72.9) == 0
    assert at(73) == 1
    request = reload(request)
    assert (request.state, request.refunded_amount) == (State.REFUNDED, Decimal("50.00"))
    assert timeline(request)[-1] == (State.REFUNDED, SYSTEM)


def test_a_refusal_not_escalated_in_time_stands(line):
    request = opened(line)
    at(1, lambda: services.refuse(request, reason="The photo is of another box", by=None))
    assert at(72.9) == 0
    assert at(73) == 1
    request = reload(request)
    assert request.state == State.CLOSED and request.refunded_amount is None
    assert fresh(line).refunded_amount == 0
    assert timeline(request)[-1] == (State.CLOSED, SYSTEM)


def test_a_return_not_sent_in_time_closes(line):
    request = opened(line, kind=Kind.RETURN_REFUND, reason=Reason.NOT_NEEDED, photos=0)
    at(1, lambda: services.approve_return(request, return_address="潜江市园林路 8 号", by=None))
    assert at(1 + 7 * 24 - 0.1) == 0
    assert at(1 + 7 * 24) == 1
    assert reload(request).state == State.CLOSED
    assert fresh(line).refunded_amount == 0


def test_returned_goods_the_shop_did_not_confirm_are_taken_as_received(line, product):
    request = opened(line, kind=Kind.RETURN_REFUND, reason=Reason.NOT_NEEDED, photos=0)
    at(1, lambda: services.approve_return(request, return_address="潜江", by=None))
    at(2, lambda: services.send_return(request, carrier="sf", tracking_number="SF1234567", by=None))
    assert stock_of(product) == 98
    assert at(2 + 10 * 24 - 0.1) == 0
    assert at(2 + 10 * 24) == 1
    request = reload(request)
    assert request.state == State.REFUNDED and request.received_back_at is not None
    assert stock_of(product) == 98  # nobody saw them arrive: not back on sale
    assert timeline(request)[-1] == (State.REFUNDED, SYSTEM)


def test_escalations_wait_for_staff(line):
    request = opened(line)
    at(1, lambda: services.refuse(request, reason="no", by=None))
    at(2, lambda: services.escalate(request, note="they were dead", by=None))
    assert at(24 * 30) == 0
    assert reload(request).state == State.ESCALATED


def test_a_request_answered_just_before_the_sweep_reaches_it_is_not_swept(line):
    request = opened(line)
    now = T0 + timedelta(hours=49)
    with time_machine.travel(now, tick=False):
        due = list(
            AfterSalesRequest.objects.filter(state__in=SWEPT_STATES, due_at__lte=now).values_list(
                "pk", flat=True
            )
        )
        assert due == [request.pk]  # the sweep listed it…
        services.offer(request, amount=Decimal("10"), note="", by=owner_of(line.part.vendor))
        # …and then reaches it: answered, it is due later now.
        assert act_for_the_late(AfterSalesRequest(pk=request.pk), now) is None
    request = reload(request)
    assert request.state == State.OFFERED and request.refunded_amount is None
    assert fresh(line).refunded_amount == 0


def test_a_cancelled_line_whose_part_the_shop_cancelled_meanwhile_is_closed_not_stuck(db):
    product = crayfish()
    with time_machine.travel(T0 - timedelta(hours=1), tick=False):
        order = placed((product, 2))
    line = first_line(order)
    request = at(0, lambda: cancel_line(line))
    at(1, lambda: order_services.cancel_part(line.part, reason="卖完了", by=None))
    assert stock_of(product) == 100

    assert at(49) == 1
    request = reload(request)
    assert request.state == State.CLOSED  # nothing left to refund: not swept again and again
    assert at(50) == 0
    assert fresh(line).refunded_amount == 0 and stock_of(product) == 100
    assert OrderPart.objects.get(pk=line.part_id).status == OrderPart.Status.CANCELLED

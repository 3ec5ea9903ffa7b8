"""Only the transition table's moves: a step taken from the wrong state is refused with
a message naming the state the request is in, and changes nothing (no event, no
money, no message)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from aftersales import services
from aftersales.models import RequestEvent
from aftersales.states import TRANSITIONS, State
from notifications.models import Notification
from tests.aftersales.helpers import (
    Kind,
    Reason,
    crayfish,
    first_line,
    fresh,
    owner_of,
    placed,
    received,
    reload,
    report,
    staff_member,
)


def refused(call, request) -> str:
    """`call()` is refused; the request, its line and the outbox are as they were."""
    before = reload(request)
    line = fresh(request.line)
    counts = RequestEvent.objects.count(), Notification.objects.count()
    with pytest.raises(ValidationError) as refusal:
        call()
    after = reload(request)
    assert (after.state, after.due_at, after.refunded_amount, after.offered_amount) == (
        before.state,
        before.due_at,
        before.refunded_amount,
        before.offered_amount,
    )
    assert fresh(request.line).refunded_amount == line.refunded_amount
    assert (RequestEvent.objects.count(), Notification.objects.count()) == counts
    return " ".join(refusal.value.messages)


@pytest.fixture
def line(db):
    return first_line(received(placed((crayfish(), 2))))


def test_approving_twice_is_refused(line):
    shop = owner_of(line.part.vendor)
    request = services.approve(report(line), by=shop)
    assert refused(lambda: services.approve(request, by=shop), request) == (
        "This request is now “refunded”: that can no longer be done."
    )
    assert fresh(line).refunded_amount == Decimal("176.00")


def test_accepting_an_offer_on_a_refused_request_is_refused(line):
    request = services.refuse(report(line), reason="Not dead on our photo", by=None)
    assert refused(lambda: services.accept_offer(request, by=line.part.order.shopper), request) == (
        "This request is now “refused by the shop”: that can no longer be done."
    )


def test_escalating_a_request_the_shop_has_not_answered_is_refused(line):
    request = report(line)
    message = refused(
        lambda: services.escalate(request, note="too slow", by=line.part.order.shopper), request
    )
    assert (
        message == "This request is now “awaiting the shop's answer”: that can no longer be done."
    )


def test_staff_cannot_decide_a_request_that_was_not_escalated(line):
    request = report(line)
    assert "awaiting the shop's answer" in refused(
        lambda: services.decide(request, amount=Decimal("1"), note="why", by=staff_member()),
        request,
    )


def test_sending_back_a_refund_only_is_refused(line):
    request = report(line)
    assert "awaiting the shop's answer" in refused(
        lambda: services.send_return(
            request, carrier="sf", tracking_number="SF1234567", by=line.part.order.shopper
        ),
        request,
    )


def test_a_refund_only_has_no_return_address_and_a_return_needs_one(line):
    request = report(line)
    assert refused(
        lambda: services.approve_return(request, return_address="潜江", by=None), request
    ) == ("This request is not a return: approve it or make an offer.")
    services.withdraw(request, by=None)
    ret = report(line, kind=Kind.RETURN_REFUND, reason=Reason.NOT_NEEDED, photos=0)
    assert refused(lambda: services.approve(ret, by=None), ret) == (
        "A return needs the address the shopper sends the goods to."
    )
    assert "address" in refused(
        lambda: services.approve_return(ret, return_address="  ", by=None), ret
    )


def test_confirming_goods_that_were_not_sent_is_refused(line):
    request = services.approve_return(
        report(line, kind=Kind.RETURN_REFUND, reason=Reason.NOT_NEEDED, photos=0),
        return_address="潜江市园林路 8 号",
        by=None,
    )
    assert "awaiting the return" in refused(
        lambda: services.confirm_returned(request, by=None), request
    )


def test_withdrawing_an_escalated_or_closed_request_is_refused(line):
    request = services.refuse(report(line), reason="no", by=None)
    request = services.escalate(request, note="yes", by=None)
    assert "platform reviewing" in refused(lambda: services.withdraw(request, by=None), request)
    request = services.decide(request, amount=Decimal("0"), note="no proof", by=staff_member())
    assert "closed" in refused(lambda: services.withdraw(request, by=None), request)
    assert "closed" in refused(
        lambda: services.decide(request, amount=Decimal("1"), note="x", by=staff_member()),
        request,
    )


def test_bad_amounts_and_missing_reasons_are_refused(line):
    request = report(line)
    assert refused(
        lambda: services.offer(request, amount=Decimal("176.00"), note="", by=None), request
    ) == ("An offer is less than the ¥176.00 asked; to give it all, approve.")
    assert refused(
        lambda: services.offer(request, amount=Decimal("0"), note="", by=None), request
    ) == ("Enter an amount above zero.")
    assert "Say why" in refused(lambda: services.refuse(request, reason=" ", by=None), request)
    request = services.escalate(
        services.refuse(request, reason="no", by=None), note="please", by=None
    )
    staff = staff_member()
    assert refused(
        lambda: services.decide(request, amount=Decimal("176.01"), note="x", by=staff), request
    ) == ("That is more than the shopper asked for (¥176.00).")
    assert "zero" in refused(
        lambda: services.decide(request, amount=Decimal("-1"), note="x", by=staff), request
    )
    assert "Record why" in refused(
        lambda: services.decide(request, amount=Decimal("1"), note="", by=staff), request
    )


def test_escalating_without_a_reason_and_bad_tracking_numbers_are_refused(line):
    request = services.refuse(report(line), reason="no", by=None)
    assert refused(lambda: services.escalate(request, note="", by=None), request) == (
        "Tell staff why the shop's answer is not fair."
    )
    services.withdraw(request, by=None)
    other = first_line(received(placed((crayfish(), 2))))
    ret = services.approve_return(
        report(other, kind=Kind.RETURN_REFUND, reason=Reason.NOT_NEEDED, photos=0),
        return_address="潜江",
        by=None,
    )
    for carrier, number, message in [
        ("pigeon", "SF1234567", "Choose the carrier you sent the goods with."),
        ("sf", "", "Enter the tracking number of the parcel you sent back."),
        ("sf", "SF12\x0034567", "A tracking number is 6 to 30 letters and digits."),
        ("sf", "顺丰123456", "A tracking number is 6 to 30 letters and digits."),
    ]:
        assert (
            refused(
                lambda c=carrier, n=number: services.send_return(
                    ret, carrier=c, tracking_number=n, by=None
                ),
                ret,
            )
            == message
        )


def test_the_ends_are_final_and_a_return_on_its_way_cannot_be_closed():
    assert TRANSITIONS[State.REFUNDED] == frozenset() == TRANSITIONS[State.CLOSED]
    with pytest.raises(ValidationError) as move:
        TRANSITIONS.check(State.RETURNING, State.CLOSED)
    assert move.value.messages == [
        "This request is now “goods on their way back”: it cannot move to “closed”."
    ]

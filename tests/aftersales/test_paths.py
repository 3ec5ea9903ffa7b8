"""Each after-sales path end to end, through the services, as the people using it see
it: the request's state and timeline, what the order line says was refunded, the
money (owed by the shop for cash on delivery, refunded at the sandbox gateway when paid
online), the stock, and who was told."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from aftersales import services
from aftersales.messages import TO_SHOP, TO_SHOPPER
from aftersales.states import State
from orders import services as order_services
from orders.models import OrderPart
from payments.models import Payment, Refund
from tests.aftersales.helpers import (
    Kind,
    Reason,
    cancel_line,
    crayfish,
    first_line,
    fresh,
    lines_of,
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
    told,
    with_freight,
)
from tests.payments.test_refunds import refund_messages, sandbox_refunds

SHOPPER, SHOP, STAFF = "shopper", "shop", "staff"


def test_a_refund_only_with_photos_approved_by_the_shop_is_owed_by_the_shop(db):
    product = crayfish()
    order = received(placed((product, 2)))
    line = first_line(order)
    shop = owner_of(line.part.vendor)

    request = report(line, photos=2)

    assert request.state == State.REQUESTED
    assert request.amount == Decimal("176.00") and request.shipping == 0
    assert request.photos.count() == 2
    assert request.due_at is not None
    assert told(shop, TO_SHOP) == 1  # the shop hears of the new request

    request = services.approve(request, by=shop)

    request = reload(request)
    assert request.state == State.REFUNDED and request.closed_at is not None
    assert request.owed_by_shop and request.refund is None  # cash on delivery: the shop owes
    assert request.refunded_amount == Decimal("176.00")
    assert request.refunded_weight_g == 2000
    line = fresh(line)
    assert (line.refunded_quantity, line.refunded_amount, line.refunded_weight_g) == (
        2,
        Decimal("176.00"),
        2000,
    )
    assert line.part.refunded_goods == Decimal("176.00")
    assert timeline(request) == [(State.REQUESTED, SHOPPER), (State.REFUNDED, SHOP)]
    assert request.events.get(to_state=State.REFUNDED).by == shop
    assert stock_of(product) == 98  # the goods stayed with the shopper
    assert told(order.shopper, TO_SHOPPER) == 1


def test_a_partial_offer_accepted_refunds_the_offer(db):
    order = received(placed((crayfish(), 2)))
    line = first_line(order)
    shop = owner_of(line.part.vendor)
    request = report(line)

    request = services.offer(request, amount=Decimal("88.00"), note="一半是活的", by=shop)
    assert request.state == State.OFFERED and request.offered_amount == Decimal("88.00")
    request = services.accept_offer(request, by=order.shopper)

    request = reload(request)
    assert request.state == State.REFUNDED
    assert request.refunded_amount == Decimal("88.00") and request.owed_by_shop
    line = fresh(line)
    # Half the money, of all the units the shopper asked about; half their weight.
    assert (line.refunded_amount, line.refunded_weight_g) == (Decimal("88.00"), 1000)
    assert timeline(request) == [
        (State.REQUESTED, SHOPPER),
        (State.OFFERED, SHOP),
        (State.REFUNDED, SHOPPER),
    ]
    offered = request.events.get(to_state=State.OFFERED)
    assert (offered.note, offered.amount) == ("一半是活的", Decimal("88.00"))


@pytest.mark.parametrize("decided", [Decimal("176.00"), Decimal("100.00")])
def test_a_refusal_escalated_is_decided_by_staff(db, decided):
    order = received(placed((crayfish(), 2)))
    line = first_line(order)
    shop, staff = owner_of(line.part.vendor), staff_member()
    request = report(line)

    request = services.refuse(request, reason="照片看不出问题", by=shop)
    request = services.escalate(request, note="All of them were dead, see photo", by=order.shopper)
    assert request.state == State.ESCALATED and request.due_at is not None
    request = services.decide(request, amount=decided, note="The photo shows it", by=staff)

    request = reload(request)
    assert request.state == State.REFUNDED and request.refunded_amount == decided
    assert fresh(line).refunded_amount == decided
    assert timeline(request) == [
        (State.REQUESTED, SHOPPER),
        (State.REFUSED, SHOP),
        (State.ESCALATED, SHOPPER),
        (State.REFUNDED, STAFF),
    ]
    decision = request.events.get(to_state=State.REFUNDED)
    assert (decision.by, decision.note, decision.amount) == (staff, "The photo shows it", decided)
    # Staff's decision is heard by both sides.
    assert told(order.shopper, TO_SHOPPER) == 2  # the refusal, the refund
    assert told(shop, TO_SHOP) >= 3  # the request, the escalation, the decision


def test_staff_deciding_zero_closes_the_request_and_refunds_nothing(db):
    order = received(placed((crayfish(), 2)))
    line = first_line(order)
    shop, staff = owner_of(line.part.vendor), staff_member()
    request = report(line)
    request = services.offer(request, amount=Decimal("20.00"), note="", by=shop)
    request = services.escalate(request, note="Not enough", by=order.shopper)

    request = services.decide(request, amount=Decimal("0"), note="The photo is not ours", by=staff)

    request = reload(request)
    assert request.state == State.CLOSED and request.refunded_amount is None
    line = fresh(line)
    assert (line.refunded_amount, line.refunded_quantity) == (Decimal("0"), 0)
    assert timeline(request)[-1] == (State.CLOSED, STAFF)
    # Decided: asking again (which would restart the shop's deadline) is refused.
    with pytest.raises(ValidationError) as again:
        report(line)
    assert again.value.messages == [
        "This item's earlier request was refused or decided by staff, and closed: it "
        "cannot be asked again."
    ]


def test_a_return_puts_the_goods_back_on_sale_only_when_the_shop_receives_them(db):
    product = crayfish()
    order = received(placed((product, 3)))
    line = first_line(order)
    shop = owner_of(line.part.vendor)
    request = report(line, kind=Kind.RETURN_REFUND, reason=Reason.WRONG_ITEM, quantity=2)
    assert request.amount == Decimal("176.00")

    with pytest.raises(ValidationError) as needs_address:
        services.approve(request, by=shop)
    assert "address" in needs_address.value.messages[0]
    request = services.approve_return(request, return_address="潜江市园林路 8 号 王师傅", by=shop)
    assert request.state == State.AWAITING_RETURN
    assert reload(request).return_address == "潜江市园林路 8 号 王师傅"
    request = services.send_return(
        request, carrier="sf", tracking_number="sf 9876 5432 10", by=order.shopper
    )
    request = reload(request)
    assert request.state == State.RETURNING
    assert (request.return_carrier, request.return_tracking_number) == ("sf", "SF9876543210")
    assert request.returned_at is not None
    assert stock_of(product) == 97  # on its way back: not on sale yet
    assert fresh(line).refunded_amount == 0  # nor refunded

    request = services.confirm_returned(request, by=shop)

    request = reload(request)
    assert request.state == State.REFUNDED and request.received_back_at is not None
    assert request.refunded_amount == Decimal("176.00")
    assert stock_of(product) == 99  # the two returned, not the third
    line = fresh(line)
    assert (line.refunded_quantity, line.refunded_amount, line.refunded_weight_g) == (
        2,
        Decimal("176.00"),
        2000,
    )
    assert timeline(request) == [
        (State.REQUESTED, SHOPPER),
        (State.AWAITING_RETURN, SHOP),
        (State.RETURNING, SHOPPER),
        (State.REFUNDED, SHOP),
    ]


def test_a_line_cancelled_before_shipment_is_back_on_sale_at_once_and_not_twice(db):
    eggs = crayfish("30.00")
    fish = crayfish("50.00", vendor=eggs.vendor)
    order = placed((eggs, 2), (fish, 1))
    eggs_line, fish_line = lines_of(order)
    shop = owner_of(eggs.vendor)

    request = cancel_line(eggs_line)
    assert request.amount == Decimal("60.00")
    request = services.approve(request, by=shop)

    request = reload(request)
    assert request.state == State.REFUNDED
    assert request.owed_by_shop  # cash on delivery: the shop pays it back
    assert stock_of(eggs) == 100  # back on sale at once
    part = OrderPart.objects.get(pk=eggs_line.part_id)
    assert part.refunded == Decimal("60.00")

    order_services.cancel_part(part, reason="鱼卖完了", by=shop)

    assert stock_of(eggs) == 100  # not twice
    assert stock_of(fish) == 100
    part.refresh_from_db()
    assert part.status == OrderPart.Status.CANCELLED


def test_an_online_order_with_a_line_cancelled_then_its_part_cancelled_refunds_what_was_paid(
    sandbox_site,
):
    eggs = crayfish("30.00")
    fish = crayfish("50.00", vendor=eggs.vendor)
    with_freight(eggs.vendor)  # 3 kg: ¥8 + 2 × ¥2
    order, payment = paid_online((eggs, 2), (fish, 1))
    assert payment.amount == Decimal("122.00")
    eggs_line, _fish_line = lines_of(order)
    shop = owner_of(eggs.vendor)

    request = services.approve(cancel_line(eggs_line), by=shop)
    assert reload(request).refund.amount == Decimal("60.00")
    order_services.cancel_part(OrderPart.objects.get(pk=eggs_line.part_id), reason="缺货", by=shop)

    payment.refresh_from_db()
    refunds = Refund.objects.filter(payment=payment)
    assert sorted(r.amount for r in refunds) == [Decimal("60.00"), Decimal("62.00")]
    assert all(r.state == Refund.State.SUCCEEDED for r in refunds)
    assert sum(sandbox_refunds(payment).values()) == 12200
    assert (payment.refunded, payment.state) == (Decimal("122.00"), Payment.State.REFUNDED)
    assert stock_of(eggs) == 100 and stock_of(fish) == 100


def test_a_shopper_withdrawing_closes_the_request_and_the_shop_hears(db):
    order = received(placed((crayfish(), 2)))
    line = first_line(order)
    shop = owner_of(line.part.vendor)
    request = report(line, reason=Reason.MISSING, photos=0)

    request = services.withdraw(request, by=order.shopper)

    request = reload(request)
    assert request.state == State.CLOSED and request.closed_at is not None
    assert timeline(request) == [(State.REQUESTED, SHOPPER), (State.CLOSED, SHOPPER)]
    assert fresh(line).refunded_amount == 0
    assert told(shop, TO_SHOP) == 2  # the request, the withdrawal
    assert told(order.shopper, TO_SHOPPER) == 0


def test_an_approved_request_on_an_online_order_is_refunded_at_the_gateway(sandbox_site):
    order, payment = received_online((crayfish(), 2))
    line = first_line(order)
    request = report(line, quantity=1)
    assert request.amount == Decimal("88.00")

    request = services.approve(request, by=owner_of(line.part.vendor))

    request = reload(request)
    refund = request.refund
    assert not request.owed_by_shop
    assert (refund.reason, refund.amount, refund.state) == (
        Refund.Reason.AFTER_SALES,
        Decimal("88.00"),
        Refund.State.SUCCEEDED,
    )
    assert refund.note == request.number
    assert sandbox_refunds(payment) == {refund.refund_number: 8800}
    payment.refresh_from_db()
    assert (payment.refunded, payment.state) == (Decimal("88.00"), Payment.State.REFUNDED_IN_PART)
    message = refund_messages(order).get()
    assert "¥88.00" in message.body and refund.refund_number in message.body


def test_the_shipping_fee_is_refunded_only_with_the_whole_part(sandbox_site):
    eggs = crayfish("30.00")
    fish = crayfish("50.00", vendor=eggs.vendor)
    with_freight(eggs.vendor)
    order, payment = received_online((eggs, 2), (fish, 1))
    eggs_line, fish_line = lines_of(order)
    assert eggs_line.part.shipping_fee == Decimal("12.00")
    shop = owner_of(eggs.vendor)

    first = services.approve(report(eggs_line), by=shop)
    assert (first.amount, first.shipping) == (Decimal("60.00"), Decimal("0"))
    last = report(fish_line)  # the last line left: the part's fee comes with it
    assert (last.amount, last.shipping) == (Decimal("62.00"), Decimal("12.00"))
    last = services.approve(last, by=shop)

    part = OrderPart.objects.get(pk=eggs_line.part_id)
    assert (part.refunded_goods, part.refunded_shipping) == (Decimal("110.00"), Decimal("12.00"))
    payment.refresh_from_db()
    assert payment.refunded == Decimal("122.00") == payment.amount
    assert sum(sandbox_refunds(payment).values()) == 12200
    assert reload(last).refund.amount == Decimal("62.00")


def test_the_shipping_fee_is_not_in_a_request_for_part_of_a_line(db):
    product = crayfish("30.00")
    with_freight(product.vendor)
    order = received(placed((product, 2)))
    line = first_line(order)
    assert line.part.shipping_fee == Decimal("10.00")

    half = report(line, quantity=1)
    assert (half.amount, half.shipping) == (Decimal("30.00"), Decimal("0"))
    services.withdraw(half, by=order.shopper)
    whole = report(line)
    assert (whole.amount, whole.shipping) == (Decimal("70.00"), Decimal("10.00"))
    # Asked for less than the goods cost: no shipping in it.
    services.withdraw(whole, by=order.shopper)
    assert report(line, amount=Decimal("40.00")).shipping == 0


def received_online(*items):
    order, payment = paid_online(*items)
    received(order)
    return order, payment


def test_shipped_but_not_received_may_ask_already(db):
    order = shipped(placed((crayfish(), 1)))
    assert report(first_line(order)).state == State.REQUESTED


def test_two_requests_opened_together_on_a_parts_lines_refund_its_fee_with_the_second(db):
    eggs = crayfish("30.00")
    fish = crayfish("50.00", vendor=eggs.vendor)
    with_freight(eggs.vendor)
    order = received(placed((eggs, 2), (fish, 1)))
    eggs_line, fish_line = lines_of(order)
    first, second = report(eggs_line), report(fish_line)  # neither is the part's last yet
    assert first.shipping == second.shipping == 0

    services.approve(first, by=None)
    second = services.approve(second, by=None)

    part = OrderPart.objects.get(pk=eggs_line.part_id)
    assert (part.refunded_goods, part.refunded_shipping) == (Decimal("110.00"), Decimal("12.00"))
    second = reload(second)
    assert second.refunded_amount == Decimal("62.00")
    assert second.events.get(to_state=State.REFUNDED).amount == Decimal("62.00")
    # An offer accepted for less than the goods does not bring the fee.
    assert reload(first).refunded_amount == Decimal("60.00")

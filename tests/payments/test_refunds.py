"""Money going back to the shopper's Alipay or WeChat Pay account: a paid online order
cancelled before it ships (by the shopper: all that is left; by a shop: its part), a
staff refund of an amount, never more than was paid; a refund the gateway could not be
reached for is finished later under the same refund number, so the gateway refunds once."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from gateway_sandbox.models import SandboxRefund, SandboxTrade
from notifications.models import Notification
from orders import services as order_services
from orders.models import Order
from payments import services
from payments.models import Payment, Refund
from tests.factories import ProductFactory, make_shop
from tests.support.online_orders import checkout, dead_url, start, trade_of
from tests.support.payments import pay_in_sandbox


def paid_order(*items, gateway="alipay", device="phone"):
    """(order, payment): checked out and paid at the sandbox gateway."""
    order = checkout(*items, payment_method=gateway)
    payment = start(order, gateway, device)
    pay_in_sandbox(payment)
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.state) == (Order.Status.CONFIRMED, Payment.State.PAID)
    return order, payment


def sandbox_refunds(payment):
    """{refund number: amount in fen} the sandbox gateway holds for `payment`'s trade."""
    return dict(
        SandboxRefund.objects.filter(trade__trade_number=payment.trade_number).values_list(
            "refund_number", "amount_fen"
        )
    )


def refund_messages(order):
    return Notification.objects.filter(recipient=order.shopper, kind="payment_refunded")


@pytest.mark.parametrize(("gateway", "device"), [("alipay", "phone"), ("wechat_pay", "desktop")])
def test_a_paid_order_cancelled_by_the_shopper_is_refunded_in_full(sandbox_site, gateway, device):
    order, payment = paid_order((ProductFactory(price=Decimal("50.00")), 1), gateway=gateway)
    mail.outbox.clear()

    order_services.cancel_order(order, by=order.shopper)

    refund = Refund.objects.get(payment=payment)
    payment.refresh_from_db()
    assert (refund.reason, refund.state, refund.amount) == (
        Refund.Reason.ORDER_CANCELLED,
        Refund.State.SUCCEEDED,
        Decimal("50.00"),
    )
    assert sandbox_refunds(payment) == {refund.refund_number: 5000}
    assert (payment.state, payment.refunded) == (Payment.State.REFUNDED, Decimal("50.00"))
    told = refund_messages(order).get()
    assert told.subject == f"Refund for order {order.number}"  # the shopper reads English
    assert f"¥50.00 of order {order.number} is refunded" in told.body
    assert refund.refund_number in told.body
    refund_mail = [m for m in mail.outbox if m.subject == told.subject]
    assert refund_mail and refund_mail[0].to == [order.shopper.email]


def test_the_shoppers_cancel_page_refunds_a_paid_order(sandbox_site, client):
    order, payment = paid_order((ProductFactory(price=Decimal("42.50")), 2))
    client.force_login(order.shopper)
    cancel = reverse("orders:cancel", args=[order.number])
    assert client.get(cancel, HTTP_ACCEPT_LANGUAGE="en").status_code == 200  # it asks first

    response = client.post(cancel, {"confirm": "True"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302
    order.refresh_from_db()
    payment.refresh_from_db()
    refund = Refund.objects.get(payment=payment)
    assert order.status == Order.Status.CANCELLED
    assert (refund.reason, refund.state, refund.amount, refund.by) == (
        Refund.Reason.ORDER_CANCELLED,
        Refund.State.SUCCEEDED,
        Decimal("85.00"),
        order.shopper,
    )
    assert sandbox_refunds(payment) == {refund.refund_number: 8500}
    assert payment.state == Payment.State.REFUNDED
    assert refund_messages(order).count() == 1


def test_a_shop_cancelling_its_part_refunds_that_part_and_the_rest_later_the_rest(
    sandbox_site, django_user_model
):
    zigui_owner, zigui = make_shop(django_user_model, "zigui")
    _owner, qianjiang = make_shop(django_user_model, "qianjiang")
    order, payment = paid_order(
        (ProductFactory(vendor=zigui, price=Decimal("15.00")), 2),  # 30.00
        (ProductFactory(vendor=qianjiang, price=Decimal("20.00")), 1),
    )
    assert payment.amount == Decimal("50.00")
    oranges = order.parts.get(vendor=zigui)

    order_services.cancel_part(oranges, reason="冻害，橙子没有了", by=zigui_owner)

    payment.refresh_from_db()
    first = Refund.objects.get(payment=payment)
    assert (first.reason, first.state, first.amount, first.part) == (
        Refund.Reason.PART_CANCELLED,
        Refund.State.SUCCEEDED,
        Decimal("30.00"),
        oranges,
    )
    assert (payment.state, payment.refunded) == (Payment.State.REFUNDED_IN_PART, Decimal("30"))
    assert sandbox_refunds(payment) == {first.refund_number: 3000}
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED  # the crayfish still ship

    order_services.cancel_order(order, by=order.shopper)  # the shopper gives up the rest

    payment.refresh_from_db()
    second = Refund.objects.exclude(pk=first.pk).get(payment=payment)
    assert (second.reason, second.state, second.amount) == (
        Refund.Reason.ORDER_CANCELLED,
        Refund.State.SUCCEEDED,
        Decimal("20.00"),
    )
    assert (payment.state, payment.refunded) == (Payment.State.REFUNDED, Decimal("50.00"))
    assert sandbox_refunds(payment) == {first.refund_number: 3000, second.refund_number: 2000}
    trade = trade_of(payment)
    assert trade.refunded_fen == trade.amount_fen == 5000
    assert refund_messages(order).count() == 2
    with pytest.raises(ValidationError):
        services.refund_order(order, reason=Refund.Reason.STAFF)


def test_each_shop_cancelling_its_part_refunds_no_more_than_was_paid(
    sandbox_site, django_user_model
):
    zigui_owner, zigui = make_shop(django_user_model, "zigui")
    qianjiang_owner, qianjiang = make_shop(django_user_model, "qianjiang")
    order, payment = paid_order(
        (ProductFactory(vendor=zigui, price=Decimal("30.00")), 1),
        (ProductFactory(vendor=qianjiang, price=Decimal("20.00")), 1),
        gateway="wechat_pay",
    )

    order_services.cancel_part(order.parts.get(vendor=zigui), reason="没货了", by=zigui_owner)
    order_services.cancel_part(
        order.parts.get(vendor=qianjiang), reason="没货了", by=qianjiang_owner
    )

    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    refunds = list(Refund.objects.filter(payment=payment).order_by("id"))
    assert [(r.reason, r.amount, r.state) for r in refunds] == [
        (Refund.Reason.PART_CANCELLED, Decimal("30.00"), Refund.State.SUCCEEDED),
        (Refund.Reason.PART_CANCELLED, Decimal("20.00"), Refund.State.SUCCEEDED),
    ]
    assert (payment.state, payment.refunded) == (Payment.State.REFUNDED, Decimal("50.00"))
    assert sorted(sandbox_refunds(payment).values()) == [2000, 3000]


def test_cancelling_an_unpaid_online_order_closes_its_trades_and_refunds_nothing(sandbox_site):
    order = checkout((ProductFactory(), 1))
    on_phone = start(order, "alipay", "phone")
    on_desktop = start(order, "wechat_pay", "desktop")

    order_services.cancel_order(order, by=order.shopper)

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    for payment in (on_phone, on_desktop):
        payment.refresh_from_db()
        assert payment.state == Payment.State.CLOSED
        assert trade_of(payment).state == SandboxTrade.State.CLOSED
    assert not Refund.objects.exists() and not SandboxRefund.objects.exists()
    assert refund_messages(order).count() == 0


def test_a_shop_cancelling_the_only_part_of_an_unpaid_order_closes_its_trade(
    sandbox_site, django_user_model
):
    owner, vendor = make_shop(django_user_model)
    order = checkout((ProductFactory(vendor=vendor), 1))
    payment = start(order, "alipay", "phone")

    order_services.cancel_part(order.parts.get(), reason="没货了", by=owner)

    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert payment.state == Payment.State.CLOSED
    assert trade_of(payment).state == SandboxTrade.State.CLOSED
    assert not Refund.objects.exists()


def test_a_shop_cancelling_its_part_of_an_unpaid_order_closes_the_trade_of_the_old_total(
    sandbox_site, django_user_model
):
    owner, zigui = make_shop(django_user_model, "zigui")
    order = checkout(
        (ProductFactory(vendor=zigui, price=Decimal("30.00")), 1),
        (ProductFactory(price=Decimal("20.00")), 1),
    )
    before = start(order, "alipay", "phone")
    assert before.amount == Decimal("50.00")

    order_services.cancel_part(order.parts.get(vendor=zigui), reason="没货了", by=owner)

    before.refresh_from_db()
    assert before.state == Payment.State.CLOSED
    assert trade_of(before).state == SandboxTrade.State.CLOSED
    now = start(order, "alipay", "phone")  # the shopper pays what is left to pay
    assert now.pk != before.pk and now.amount == Decimal("20.00")
    pay_in_sandbox(now)
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED
    assert not Refund.objects.exists()


def test_the_old_total_paid_just_before_its_trade_closed_refunds_the_cancelled_part(
    sandbox_site, django_user_model
):
    """The shopper paid the trade of the old total at the moment a shop cancelled its
    part (the gateway's word arrives after the close): the order is paid, and what the
    cancelled part cost goes back at once."""
    owner, zigui = make_shop(django_user_model, "zigui")
    order = checkout(
        (ProductFactory(vendor=zigui, price=Decimal("30.00")), 1),
        (ProductFactory(price=Decimal("20.00")), 1),
    )
    before = start(order, "alipay", "phone")
    order_services.cancel_part(order.parts.get(vendor=zigui), reason="没货了", by=owner)

    outcome = services.record_payment(
        before, amount_fen=5000, gateway_trade_id="2026120299", paid_at=None, raw={}
    )

    order.refresh_from_db()
    assert outcome == services.Outcome.PAID
    assert order.status == Order.Status.CONFIRMED
    refund = Refund.objects.get()
    assert (refund.amount, refund.reason) == (Decimal("30.00"), Refund.Reason.PART_CANCELLED)


def test_a_refund_never_passes_what_was_paid(sandbox_site):
    translation.activate("en")  # the refusals are asserted in English, however run
    order, payment = paid_order((ProductFactory(price=Decimal("50.00")), 1))

    first = services.refund_order(order, Decimal("30"), reason=Refund.Reason.STAFF)
    with pytest.raises(ValidationError) as more:
        services.refund_order(order, Decimal("30"), reason=Refund.Reason.STAFF)
    for amount in (Decimal("0"), Decimal("-5")):
        with pytest.raises(ValidationError) as not_positive:
            services.refund_order(order, amount, reason=Refund.Reason.STAFF)
        assert not_positive.value.messages == ["Enter an amount above zero."]

    assert more.value.messages == ["That is more than is left to refund on this order (¥20.00)."]
    payment.refresh_from_db()
    first.refresh_from_db()
    assert (payment.state, payment.refunded) == (Payment.State.REFUNDED_IN_PART, Decimal("30"))
    assert list(Refund.objects.all()) == [first]
    assert first.state == Refund.State.SUCCEEDED
    assert sandbox_refunds(payment) == {first.refund_number: 3000}
    # What is left can still be refunded.
    services.refund_order(order, Decimal("20"), reason=Refund.Reason.STAFF)
    payment.refresh_from_db()
    assert (payment.state, payment.refunded) == (Payment.State.REFUNDED, Decimal("50"))


def test_a_refund_the_gateway_cannot_be_reached_for_is_finished_later_under_its_number(
    sandbox_site, settings
):
    order, payment = paid_order((ProductFactory(price=Decimal("50.00")), 1))
    settings.SITE_URL = dead_url()  # the gateways are rebuilt pointing there: unreachable

    refund = services.refund_order(order, reason=Refund.Reason.STAFF)

    refund.refresh_from_db()
    payment.refresh_from_db()
    assert (refund.state, refund.attempts) == (Refund.State.PENDING, 1)
    assert "error" in refund.last_answer
    assert payment.refunded == Decimal("50.00")  # held: nobody refunds it a second time
    assert sandbox_refunds(payment) == {}
    with pytest.raises(ValidationError):
        services.refund_order(order, Decimal("1"), reason=Refund.Reason.STAFF)
    assert refund_messages(order).count() == 0

    settings.SITE_URL = sandbox_site.url  # the gateway is back
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=True):
        assert services.retry_pending_refunds() == 1
        assert services.retry_pending_refunds() == 0

    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.state == Refund.State.SUCCEEDED
    assert sandbox_refunds(payment) == {refund.refund_number: 5000}
    assert payment.state == Payment.State.REFUNDED
    assert Refund.objects.count() == 1
    assert refund_messages(order).count() == 1


def test_a_refund_of_a_shops_part_is_at_most_what_the_part_cost(sandbox_site, django_user_model):
    _owner, zigui = make_shop(django_user_model, "zigui")
    order, payment = paid_order(
        (ProductFactory(vendor=zigui, price=Decimal("30.00")), 1),
        (ProductFactory(price=Decimal("20.00")), 1),
    )
    part = order.parts.get(vendor=zigui)
    other, _payment = paid_order((ProductFactory(price=Decimal("9.00")), 1))

    with pytest.raises(ValidationError) as refused:
        services.refund_order(order, Decimal("30.01"), part=part, reason="staff")
    with pytest.raises(ValueError):
        services.refund_order(other, Decimal("1.00"), part=part, reason="staff")
    whole_part = services.refund_order(order, part=part, reason="staff")

    assert refused.value.code == "more_than_part"
    assert (whole_part.amount, whole_part.part) == (Decimal("30.00"), part)
    payment.refresh_from_db()
    assert payment.refunded == Decimal("30.00")

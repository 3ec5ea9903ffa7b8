"""Payments under concurrency, on PostgreSQL: a gateway's notification arriving while the
closing sweep closes the same overdue order, the same notification twice at once, and
staff pressing Refund ten times together. Each call runs in a thread of its own with a
connection of its own (tests.support.races); the gateway is the sandbox, reached over
HTTP on the live server."""

from datetime import timedelta
from decimal import Decimal
from functools import partial

import pytest
import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone

from gateway_sandbox import trades
from gateway_sandbox.models import SandboxRefund, SandboxTrade
from gateway_sandbox.protocols import protocol_for
from orders.models import Order, OrderEvent
from payments import services
from payments.models import GatewayNotification, Payment, Refund
from tests.factories import OrderFactory, ProductFactory
from tests.support.payments import pay_in_sandbox
from tests.support.races import all_at_once

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
pytestmark = pytest.mark.skipif(
    not ON_POSTGRES,
    reason="parallel transactions need PostgreSQL (SQLite's test database is in memory, "
    "one connection serialises them)",
)
DEAD_NOTIFY_URL = "http://127.0.0.1:9/payments/notify/alipay/"  # discard port: refused
ROUNDS = 5
STOCK_LEFT = 7  # the product's stock after the order took its units
QUANTITY = 2


def overdue_order_paid_at_the_sandbox(price=Decimal("25.00")):
    """An Alipay order past its time to pay whose trade the shopper paid at the sandbox
    just before the end, the notification not delivered yet (its notify_url did not
    answer). Returns (order, payment, notification as (headers, body))."""
    product = ProductFactory(price=price, stock=STOCK_LEFT)
    order = OrderFactory(payment_method="alipay", lines=[(product, QUANTITY)])
    payment = services.start_payment(
        order, gateway_code="alipay", device="phone", client_ip="127.0.0.1"
    )
    requests.get(payment.resume_url, timeout=10).raise_for_status()  # the trade is created
    trade = SandboxTrade.objects.get(trade_number=payment.trade_number)
    SandboxTrade.objects.filter(pk=trade.pk).update(notify_url=DEAD_NOTIFY_URL)
    trade.refresh_from_db()
    trades.pay(trade)
    assert trade.notices.get().delivered_at is None  # the store has not heard of it
    trade.refresh_from_db()
    notification = protocol_for("alipay").notification(trade)
    timeout = timedelta(minutes=settings.PAYMENT_TIMEOUT_MINUTES + 1)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timeout)
    order.refresh_from_db()
    return order, payment, product, notification


def notify(notification):
    """What notify_url does with the sandbox's notification."""
    headers, body = notification
    return services.handle_notification(
        "alipay", headers=headers, body=body, form=QueryDict(body, encoding="utf-8")
    )


def confirmed_events(order):
    return OrderEvent.objects.filter(
        order=order, part=None, to_status=Order.Status.CONFIRMED
    ).count()


def test_a_notification_racing_the_closing_sweep_ends_in_exactly_one_outcome(sandbox_site):
    outcomes = []
    for _ in range(ROUNDS):
        order, payment, product, notification = overdue_order_paid_at_the_sandbox()

        answer, closing = all_at_once(
            [partial(notify, notification), partial(services.close_overdue_order, order)],
            language="en",
        )

        assert not isinstance(answer, Exception), answer
        assert not isinstance(closing, Exception), closing
        assert answer.status == 200 and answer.body.strip() == "success"  # Alipay stops
        order.refresh_from_db()
        payment.refresh_from_db()
        product.refresh_from_db()
        refunds = list(Refund.objects.filter(payment__order=order))
        trade = SandboxTrade.objects.get(trade_number=payment.trade_number)
        if order.status == Order.Status.CONFIRMED:
            outcomes.append("paid")
            assert payment.state == Payment.State.PAID
            assert refunds == []
            assert trade.refunded_fen == 0
            assert confirmed_events(order) == 1
            assert product.stock == STOCK_LEFT  # the units stay sold
        else:
            outcomes.append("closed")
            assert order.status == Order.Status.CANCELLED
            assert [(r.reason, r.state, r.amount) for r in refunds] == [
                (Refund.Reason.PAID_AFTER_CLOSE, Refund.State.SUCCEEDED, payment.amount)
            ]
            assert payment.state == Payment.State.REFUNDED
            assert trade.refunded_fen == trade.amount_fen
            assert confirmed_events(order) == 0
            assert product.stock == STOCK_LEFT + QUANTITY  # back once
        # Either way the shopper's money was taken once and is accounted for.
        assert Payment.objects.filter(order=order).count() == 1
        assert (
            GatewayNotification.objects.filter(payment=payment)
            .exclude(verdict=GatewayNotification.Verdict.REFUSED)
            .count()
            == 1
        )
    # The sweep asks the gateway before it closes: money paid in time is never sent back.
    assert set(outcomes) == {"paid"}, outcomes


def test_the_same_notification_twice_at_once_pays_the_order_once(sandbox_site):
    for _ in range(ROUNDS):
        order, payment, product, notification = overdue_order_paid_at_the_sandbox()
        Order.objects.filter(pk=order.pk).update(created_at=timezone.now())  # in time

        answers = all_at_once([partial(notify, notification)] * 2, language="en")

        assert [a.body.strip() for a in answers] == ["success", "success"], answers
        order.refresh_from_db()
        payment.refresh_from_db()
        assert order.status == Order.Status.CONFIRMED
        assert payment.state == Payment.State.PAID
        assert confirmed_events(order) == 1
        assert not Refund.objects.filter(payment__order=order).exists()
        verdicts = sorted(
            GatewayNotification.objects.filter(payment=payment).values_list("verdict", flat=True)
        )
        assert verdicts == [
            GatewayNotification.Verdict.ACCEPTED,
            GatewayNotification.Verdict.REPEATED,
        ]


def paid_order(price):
    """An Alipay order of `price`, paid through the sandbox's page."""
    order = OrderFactory(payment_method="alipay", lines=[(ProductFactory(price=price), 1)])
    payment = services.start_payment(
        order, gateway_code="alipay", device="phone", client_ip="127.0.0.1"
    )
    pay_in_sandbox(payment)
    payment.refresh_from_db()
    assert payment.state == Payment.State.PAID
    return order, payment


def test_ten_refunds_at_once_never_give_back_more_than_was_paid(sandbox_site):
    order, payment = paid_order(Decimal("50.00"))
    refund = partial(services.refund_order, order, Decimal("8.00"), reason=Refund.Reason.STAFF)

    outcomes = all_at_once([refund] * 10, language="en")

    refunds = [o for o in outcomes if isinstance(o, Refund)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert (len(refunds), len(refused)) == (6, 4), outcomes
    assert {e.code for e in refused} == {"more_than_paid"}
    payment.refresh_from_db()
    assert payment.refunded == Decimal("48.00")
    assert payment.state == Payment.State.REFUNDED_IN_PART
    assert (
        list(Refund.objects.filter(payment=payment).values_list("state", flat=True))
        == [Refund.State.SUCCEEDED] * 6
    )
    trade = SandboxTrade.objects.get(trade_number=payment.trade_number)
    assert trade.refunded_fen == 4800
    assert SandboxRefund.objects.filter(trade=trade).count() == 6

    the_rest = partial(services.refund_order, order, reason=Refund.Reason.STAFF)
    outcomes = all_at_once([the_rest] * 10, language="en")

    refunds = [o for o in outcomes if isinstance(o, Refund)]
    assert len(refunds) == 1, outcomes
    assert refunds[0].amount == Decimal("2.00")
    assert all(isinstance(o, ValidationError) for o in outcomes if o is not refunds[0])
    payment.refresh_from_db()
    trade.refresh_from_db()
    assert payment.refunded == Decimal("50.00")
    assert payment.state == Payment.State.REFUNDED
    assert trade.refunded_fen == 5000
    assert Refund.objects.filter(payment=payment, state=Refund.State.SUCCEEDED).count() == 7


def shopper_pays(payment, *, open_page):
    """The shopper presses Pay on the sandbox's page (opening it first when `open_page`:
    Alipay creates the trade then); the notification goes out to the live server."""
    if open_page:
        requests.get(payment.resume_url, timeout=10).raise_for_status()
    try:
        return trades.pay(SandboxTrade.objects.get(trade_number=payment.trade_number))
    except trades.TradeRefused as refused:
        return refused


@pytest.mark.parametrize("page_opened", [True, False], ids=["page-open", "page-opening"])
def test_a_shopper_paying_as_the_sweep_closes_the_order_is_paid_or_refunded(
    sandbox_site, page_opened
):
    outcomes = []
    for _ in range(ROUNDS):
        product = ProductFactory(price=Decimal("25.00"), stock=STOCK_LEFT)
        order = OrderFactory(payment_method="alipay", lines=[(product, QUANTITY)])
        payment = services.start_payment(
            order, gateway_code="alipay", device="phone", client_ip="127.0.0.1"
        )
        if page_opened:
            requests.get(payment.resume_url, timeout=10).raise_for_status()
        timeout = timedelta(minutes=settings.PAYMENT_TIMEOUT_MINUTES + 1)
        Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timeout)
        order.refresh_from_db()

        paying, closing = all_at_once(
            [
                partial(shopper_pays, payment, open_page=not page_opened),
                partial(services.close_overdue_order, order),
            ],
            language="en",
        )

        assert not isinstance(closing, Exception), closing
        order.refresh_from_db()
        payment.refresh_from_db()
        product.refresh_from_db()
        trade = SandboxTrade.objects.get(trade_number=payment.trade_number)
        refunds = list(Refund.objects.filter(payment__order=order))
        if trade.state == SandboxTrade.State.PAID and order.status == Order.Status.CONFIRMED:
            outcomes.append("paid")
            assert payment.state == Payment.State.PAID and refunds == []
            assert confirmed_events(order) == 1
            assert product.stock == STOCK_LEFT
        elif trade.state == SandboxTrade.State.PAID:  # paid after the order closed
            outcomes.append("refunded")
            assert order.status == Order.Status.CANCELLED
            assert [(r.reason, r.state, r.amount) for r in refunds] == [
                (Refund.Reason.PAID_AFTER_CLOSE, Refund.State.SUCCEEDED, payment.amount)
            ]
            assert trade.refunded_fen == trade.amount_fen
            assert product.stock == STOCK_LEFT + QUANTITY
        else:  # closed at the gateway first: the Pay button is refused
            outcomes.append("closed")
            assert isinstance(paying, trades.TradeRefused) and paying.code == "closed"
            assert order.status == Order.Status.CANCELLED
            assert payment.state == Payment.State.CLOSED and refunds == []
            assert trade.state == SandboxTrade.State.CLOSED
            assert confirmed_events(order) == 0
            assert product.stock == STOCK_LEFT + QUANTITY

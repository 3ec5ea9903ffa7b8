"""The payments' admin: staff list and find payments, refunds and the gateways'
notifications by the numbers a shopper or a gateway quotes, and reach an order's
payments from any one of them."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from payments.checks import sandbox_without_debug
from payments.models import GatewayNotification, Payment, Refund
from tests.factories import OrderFactory


def paid_payment(gateway_trade_id):
    return Payment.objects.create(
        order=OrderFactory(payment_method="alipay"),
        gateway="alipay",
        scene=Payment.Scene.ALIPAY_WAP,
        amount=Decimal("88.00"),
        state=Payment.State.PAID,
        paid_at=timezone.now(),
        gateway_trade_id=gateway_trade_id,
    )


@pytest.fixture
def records(db):
    """Two paid payments, a refund of each, and a notification of the first."""
    first = paid_payment("2024010122001400001111")
    second = paid_payment("2024010122001400002222")
    refunds = [
        Refund.objects.create(
            payment=payment,
            amount=Decimal("8.00"),
            reason=Refund.Reason.STAFF,
            state=Refund.State.SUCCEEDED,
            finished_at=timezone.now(),
        )
        for payment in (first, second)
    ]
    GatewayNotification.objects.create(
        gateway="alipay",
        verdict=GatewayNotification.Verdict.ACCEPTED,
        trade_number=first.trade_number,
        payment=first,
        body="trade_status=TRADE_SUCCESS",
    )
    return first, second, refunds


def found(staff_client, changelist, query):
    page = staff_client.get(reverse(f"admin:payments_{changelist}_changelist"), {"q": query})
    assert page.status_code == 200
    return list(page.context["cl"].result_list)


@pytest.mark.parametrize("changelist", ["payment", "refund", "gatewaynotification"])
def test_the_changelists_load_for_staff(records, staff_client, changelist):
    page = staff_client.get(reverse(f"admin:payments_{changelist}_changelist"))

    assert page.status_code == 200
    assert len(page.context["cl"].result_list) == (1 if changelist == "gatewaynotification" else 2)


def test_each_records_page_loads_for_staff(records, staff_client):
    first, _second, refunds = records
    notification = GatewayNotification.objects.get()

    for url in [
        reverse("admin:payments_payment_change", args=[first.pk]),
        reverse("admin:payments_refund_change", args=[refunds[0].pk]),
        reverse("admin:payments_gatewaynotification_change", args=[notification.pk]),
    ]:
        assert staff_client.get(url).status_code == 200, url


def test_a_payment_is_found_by_order_number_trade_number_and_gateway_trade_id(
    records, staff_client
):
    first, _second, _refunds = records

    for query in [first.order.number, first.trade_number, first.gateway_trade_id]:
        assert found(staff_client, "payment", query) == [first], query


def test_a_refund_is_found_by_order_number_and_refund_number(records, staff_client):
    first, _second, refunds = records

    for query in [first.order.number, refunds[0].refund_number]:
        assert found(staff_client, "refund", query) == [refunds[0]], query


def test_a_notification_is_found_by_trade_number_and_order_number(records, staff_client):
    first, _second, _refunds = records
    notification = GatewayNotification.objects.get()

    for query in [first.trade_number, first.order.number]:
        assert found(staff_client, "gatewaynotification", query) == [notification], query


def test_a_payment_links_to_its_order_and_to_all_of_the_orders_payments(records, staff_client):
    first, second, _refunds = records
    retried = Payment.objects.create(
        order=first.order,
        gateway="wechat_pay",
        scene=Payment.Scene.WECHAT_H5,
        amount=Decimal("88.00"),
        state=Payment.State.CLOSED,
    )
    changelist = reverse("admin:payments_payment_changelist")

    page = staff_client.get(changelist)
    text = page.content.decode()
    assert reverse("admin:orders_order_change", args=[first.order_id]) in text
    its_payments = f"{changelist}?order__id__exact={first.order_id}"
    assert its_payments in text

    filtered = staff_client.get(its_payments)
    assert filtered.status_code == 200
    assert set(filtered.context["cl"].result_list) == {first, retried}
    assert second not in filtered.context["cl"].result_list


def test_the_payments_admin_is_read_only(records, staff_client):
    first, _second, _refunds = records

    assert staff_client.get(reverse("admin:payments_payment_add")).status_code == 403
    page = staff_client.post(
        reverse("admin:payments_payment_delete", args=[first.pk]), {"post": "yes"}
    )
    assert page.status_code == 403
    assert Payment.objects.filter(pk=first.pk).exists()


def test_the_sandbox_with_debug_off_is_a_warning_of_the_system_checks(settings):
    settings.DEBUG, settings.PAYMENT_SANDBOX = False, True
    assert [w.id for w in sandbox_without_debug()] == ["payments.W001"]
    settings.PAYMENT_SANDBOX = False
    assert sandbox_without_debug() == []

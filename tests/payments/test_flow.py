"""An online order end to end over HTTP: checkout, the cashier, the sandbox gateway's
page, its signed notification to notify_url, and the order paid once."""

import pytest
from django.urls import reverse

from gateway_sandbox.models import SandboxNotice
from orders.models import Order
from payments import services
from payments.models import GatewayNotification, Payment
from tests.factories import OrderFactory
from tests.support.payments import pay_in_sandbox


@pytest.mark.parametrize(
    ("gateway", "device"),
    [
        ("alipay", "phone"),
        ("alipay", "desktop"),
        ("wechat_pay", "phone"),
        ("wechat_pay", "desktop"),
    ],
)
def test_an_online_order_is_paid_once_by_the_gateways_notification(sandbox_site, gateway, device):
    order = OrderFactory(payment_method=gateway)
    assert order.status == Order.Status.PLACED
    payment = services.start_payment(
        order, gateway_code=gateway, device=device, client_ip="127.0.0.1"
    )
    assert payment.resume_url or payment.qr_text

    answer = pay_in_sandbox(payment)

    assert answer.status_code in (200, 302)
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED
    assert payment.state == Payment.State.PAID
    assert SandboxNotice.objects.get().delivered_at is not None
    assert GatewayNotification.objects.get().verdict == GatewayNotification.Verdict.ACCEPTED
    assert (
        reverse("payments:return", args=[order.number])
        in (answer.headers.get("Location", "") + answer.text)
        or device == "desktop"
    )

"""An online order end to end over HTTP: checkout, the cashier, the sandbox gateway's
page, its signed notification to notify_url, and the order paid once."""

import pytest
from django.urls import reverse

from gateway_sandbox.keys import sandbox_keys
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


def test_keys_from_the_environment_as_the_consoles_give_them_pay_the_same_way(
    sandbox_site, settings
):
    """Production's configuration path (the keys and address set in the environment, the
    sandbox off), pointed at the sandbox: Alipay's bare base64 keys, WeChat Pay's PEM."""
    alipay, wechat = sandbox_keys("alipay"), sandbox_keys("wechat_pay")

    def bare(pem):
        return "".join(line for line in pem.splitlines() if not line.startswith("-----"))

    settings.ALIPAY_APP_ID = alipay["app_id"]
    settings.ALIPAY_APP_PRIVATE_KEY = bare(alipay["merchant_private_key"])
    settings.ALIPAY_PUBLIC_KEY = bare(alipay["gateway_public_key"])
    settings.ALIPAY_GATEWAY_URL = sandbox_site.url + reverse("gateway_sandbox:alipay_gateway")
    settings.WECHAT_PAY_MCHID = wechat["mchid"]
    settings.WECHAT_PAY_APPID = wechat["appid"]
    settings.WECHAT_PAY_PRIVATE_KEY = wechat["merchant_private_key"]
    settings.WECHAT_PAY_CERT_SERIAL_NO = wechat["cert_serial_no"]
    settings.WECHAT_PAY_APIV3_KEY = wechat["apiv3_key"]
    settings.WECHAT_PAY_PUBLIC_KEY = wechat["gateway_public_key"]
    settings.WECHAT_PAY_PUBLIC_KEY_ID = wechat["public_key_id"]
    settings.WECHAT_PAY_GATEWAY_URL = sandbox_site.url + reverse(
        "gateway_sandbox:wechat_pay_gateway"
    )
    settings.PAYMENT_SANDBOX = False

    for gateway in ("alipay", "wechat_pay"):
        order = OrderFactory(payment_method=gateway)
        payment = services.start_payment(
            order, gateway_code=gateway, device="phone", client_ip="127.0.0.1"
        )
        pay_in_sandbox(payment)
        order.refresh_from_db()
        assert order.status == Order.Status.CONFIRMED, gateway

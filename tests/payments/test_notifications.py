"""notify_url and the return page, as a gateway (or someone pretending to be one) and a
shopper's browser reach them: the sandbox's own notifications (gateway_sandbox/*/protocol.py)
and forged variants of them POSTed to the store, for both gateways. Only a notification the
gateway signed, for one of our trades, of our merchant, for exactly the amount due, makes an
order paid, once; money that arrives for an order that no longer waits for it goes back."""

import base64
import json
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode

import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from catalog.models import Product
from gateway_sandbox import notices
from gateway_sandbox.alipay.signing import sign_params, signing_text
from gateway_sandbox.models import SandboxNotice, SandboxRefund, SandboxTrade
from gateway_sandbox.protocols import protocol_for
from gateway_sandbox.wechat_pay.protocol import signed_headers
from notifications.models import Notification
from orders import services as orders
from orders.models import Order, OrderEvent
from payments import gateways, services
from payments.models import GatewayNotification, Payment, Refund
from tests.factories import OrderFactory, ShopperFactory, VendorMemberFactory
from tests.support.payments import CSRF

GATEWAYS = ["alipay", "wechat_pay"]
# Nothing listens on port 9 of this machine: a notification sent there is lost.
DEAD_NOTIFY_URL = "http://127.0.0.1:9/payments/notify/lost/"


@pytest.fixture(scope="module")
def other_key():
    """A private key that is not the gateway's: what a forger signs with."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def start(order, gateway, device="phone"):
    return services.start_payment(order, gateway_code=gateway, device=device, client_ip="127.0.0.1")


def pay_with_notice_lost(payment):
    """The shopper pays `payment` on the sandbox's page, but the gateway's notification
    never reaches the store (the trade's notify_url is set to a dead port first). Returns
    the trade, paid, its notice still pending."""
    session = requests.Session()
    page = session.get(payment.qr_text or payment.resume_url, timeout=10)  # creates the trade
    page.raise_for_status()
    trades = SandboxTrade.objects.filter(trade_number=payment.trade_number)
    assert trades.update(notify_url=DEAD_NOTIFY_URL) == 1
    session.post(
        page.url,
        data={"csrfmiddlewaretoken": CSRF.search(page.text).group(1), "action": "pay"},
        headers={"Referer": page.url},
        allow_redirects=False,
        timeout=10,
    )
    trade = trades.get()
    assert trade.state == SandboxTrade.State.PAID
    assert SandboxNotice.objects.get(trade=trade).delivered_at is None
    return trade


def sandbox_trade(payment, **fields):
    """The gateway's view of `payment`'s trade, as if paid, never saved (what a forged
    notification is built from); `fields` change it."""
    stored = SandboxTrade.objects.filter(trade_number=payment.trade_number).first()
    trade = stored or SandboxTrade(
        gateway=payment.gateway,
        merchant_id=merchant_id(payment.gateway),
        trade_number=payment.trade_number,
        scene="wap" if payment.gateway == "alipay" else "h5",
        subject="湖北集市订单",
        amount_fen=int(payment.amount * 100),
        notify_url="http://testserver/",
        pk=1,
    )
    trade.state, trade.paid_at = SandboxTrade.State.PAID, timezone.now()
    for name, value in fields.items():
        setattr(trade, name, value)
    return trade


def merchant_id(gateway):
    """Our app_id (Alipay) or mchid (WeChat Pay) at the sandbox."""
    return gateways.gateway_for(gateway).merchant_id


def notification(trade):
    """(headers, body) exactly as the sandbox gateway sends them for `trade`."""
    return protocol_for(trade.gateway).notification(trade)


def signed_by_another_key(gateway, headers, body, key):
    """The same notification, its signature made with `key` instead of the gateway's."""

    def signature(text):
        signed = key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signed).decode()

    if gateway == "alipay":
        params = dict(parse_qsl(body.decode()))
        params["sign"] = signature(signing_text(params, without=("sign", "sign_type")))
        return headers, urlencode(params).encode()
    message = f"{headers['Wechatpay-Timestamp']}\n{headers['Wechatpay-Nonce']}\n{body.decode()}\n"
    return {**headers, "Wechatpay-Signature": signature(message)}, body


def post(client, gateway, headers, body):
    """POST a notification to the store's notify_url as the gateway would."""
    content_type = headers.get("Content-Type", "application/octet-stream")
    others = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    return client.post(
        reverse("payments:notify", args=[gateway]),
        data=body,
        content_type=content_type,
        headers=others,
    )


def succeeded(gateway, response):
    if gateway == "alipay":
        return response.status_code == 200 and response.content == b"success"
    return response.status_code == 204


def refused(gateway, response):
    """The gateway's error answer (it sends again later), never a crash."""
    if gateway == "alipay":
        return response.status_code == 200 and response.content == b"fail"
    return response.status_code >= 400 and json.loads(response.content)["code"] == "FAIL"


def snapshot(order):
    """What a refused notification must leave as it was."""
    return {
        "order": Order.objects.get(pk=order.pk).status,
        "payments": list(Payment.objects.filter(order=order).values_list("state", "refunded")),
        "stock": list(Product.objects.order_by("pk").values_list("pk", "stock")),
        "messages": Notification.objects.count(),
        "refunds": Refund.objects.count(),
        "events": OrderEvent.objects.filter(order=order).count(),
    }


# 1 and 2: a valid notification, once and again.


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_the_gateways_notification_pays_the_order_once_however_often_it_comes(
    sandbox_site, client, gateway
):
    order = OrderFactory(payment_method=gateway)
    vendor_member = VendorMemberFactory(vendor=order.parts.get().vendor).user
    payment = start(order, gateway)
    trade = pay_with_notice_lost(payment)
    headers, body = notification(trade)

    answers = [post(client, gateway, headers, body) for _ in range(3)]

    assert all(succeeded(gateway, answer) for answer in answers)
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED
    assert payment.state == Payment.State.PAID
    assert payment.gateway_trade_id == trade.gateway_trade_id
    assert payment.refunded == 0 and not Refund.objects.exists()
    confirmed = OrderEvent.objects.filter(order=order, to_status=Order.Status.CONFIRMED)
    assert confirmed.count() == 1
    placed = Notification.objects.filter(kind__in=["order_placed", "new_order"])
    assert sorted(placed.values_list("recipient_id", "kind")) == [
        (order.shopper_id, "order_placed"),
        (vendor_member.pk, "new_order"),
    ]
    verdicts = list(GatewayNotification.objects.order_by("pk").values_list("verdict", "payment_id"))
    assert verdicts == [
        (GatewayNotification.Verdict.ACCEPTED, payment.pk),
        (GatewayNotification.Verdict.REPEATED, payment.pk),
        (GatewayNotification.Verdict.REPEATED, payment.pk),
    ]
    # The sandbox's own (late) delivery is one more repeat, and it takes the answer.
    SandboxTrade.objects.filter(pk=trade.pk).update(
        notify_url=sandbox_site.url + reverse("payments:notify", args=[gateway])
    )
    notice = SandboxNotice.objects.filter(trade=trade)
    notice.update(next_attempt_at=timezone.now())  # its next try is due
    assert notices.deliver(notice.get().pk) is True
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PAID
    assert OrderEvent.objects.filter(order=order, to_status=Order.Status.CONFIRMED).count() == 1


# 3: refused, and nothing changes.


def forged(gateway, payment, kind, other_key):
    """(headers, body) of one forgery of `kind` against `payment`, and what the logged
    reason must say."""
    trade = sandbox_trade(payment)
    if kind == "another_key":
        headers, body = signed_by_another_key(gateway, *notification(trade), other_key)
        return headers, body, "signature does not verify"
    if kind == "wrong_amount":
        due = trade.amount_fen
        headers, body = notification(sandbox_trade(payment, amount_fen=due + 1))
        return headers, body, f"amount {due + 1} fen, but {due} fen are due"
    if kind == "foreign_trade":
        headers, body = notification(sandbox_trade(payment, trade_number="PFOREIGN0000000X"))
        return headers, body, "no payment has trade number 'PFOREIGN0000000X'"
    if kind == "other_merchant":
        other = "2021000000000001" if gateway == "alipay" else "1900000001"
        headers, body = notification(sandbox_trade(payment, merchant_id=other))
        return headers, body, ("app_id" if gateway == "alipay" else "mchid") + f" is {other}"
    raise AssertionError(kind)


def garbage(gateway, kind):
    """Requests that are no notification at all: (headers, body)."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    json_type = {"Content-Type": "application/json"}
    plain = form if gateway == "alipay" else json_type
    if kind == "garbage":
        return plain, b"\xff\xfe<xml>not a notification</xml>%%%&&=="
    if kind == "empty":
        return plain, b""
    if kind == "nul":
        return plain, b"\x00\x00sign=\x00&\x00=\x00"
    if kind == "broken_multipart":
        return {"Content-Type": "multipart/form-data; boundary=x"}, b"--x\r\n\x00garbage"
    if kind == "signed_nul":  # the gateway's own signature over a body that is no message
        body = b'{"id": "\\u0000", "resource": "\x00"}'
        if gateway == "alipay":
            params = sign_params({"app_id": "\x00", "out_trade_no": "\x00", "sign_type": "RSA2"})
            return form, urlencode(params).encode()
        return {**signed_headers(body), **json_type}, body
    raise AssertionError(kind)


FORGERIES = ["another_key", "wrong_amount", "foreign_trade", "other_merchant"]
GARBAGE = ["garbage", "empty", "nul", "broken_multipart", "signed_nul"]


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_forged_notifications_and_garbage_are_refused_and_change_nothing(
    sandbox_site, client, other_key, gateway
):
    """One order, every forgery and every garbage in turn (one test: a live server's
    set-up each would be most of the time)."""
    order = OrderFactory(payment_method=gateway)
    payment = start(order, gateway)
    before = snapshot(order)
    assert before["order"] == Order.Status.PLACED
    assert before["payments"] == [(Payment.State.PENDING, 0)]
    attempts = [(kind, *forged(gateway, payment, kind, other_key)) for kind in FORGERIES]
    attempts += [(kind, *garbage(gateway, kind), "") for kind in GARBAGE]

    for kind, headers, body, reason in attempts:
        answer = post(client, gateway, headers, body)

        assert refused(gateway, answer), (kind, answer.status_code, answer.content)
        assert snapshot(order) == before, kind
        log = GatewayNotification.objects.order_by("pk").last()
        assert log.verdict == GatewayNotification.Verdict.REFUSED, kind
        assert log.reason and reason in log.reason, (kind, log.reason)
    assert GatewayNotification.objects.count() == len(FORGERIES) + len(GARBAGE)


# 4 and 5: money for an order that no longer waits for it goes back.


@pytest.mark.parametrize("gateway", GATEWAYS)
@pytest.mark.parametrize("how", ["closed_unpaid", "cancelled"])
def test_a_payment_arriving_after_the_order_closed_is_refunded_at_once(
    sandbox_site, client, settings, gateway, how
):
    order = OrderFactory(payment_method=gateway)
    payment = start(order, gateway)
    trade = pay_with_notice_lost(payment)
    # The order closes while its gateway cannot be asked (the trade stays open there).
    site = settings.SITE_URL
    settings.SITE_URL = DEAD_NOTIFY_URL.split("/payments/")[0]
    if how == "closed_unpaid":
        orders.close_unpaid_order(order)
    else:
        orders.cancel_order(order, by=order.shopper)
    settings.SITE_URL = site
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PENDING

    answer = post(client, gateway, *notification(trade))

    assert succeeded(gateway, answer)
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    refund = Refund.objects.get()
    assert (refund.payment, refund.reason, refund.amount) == (
        payment,
        Refund.Reason.PAID_AFTER_CLOSE,
        payment.amount,
    )
    assert refund.state == Refund.State.SUCCEEDED
    assert payment.state == Payment.State.REFUNDED
    assert SandboxRefund.objects.get(trade=trade).amount_fen == trade.amount_fen
    assert (
        Notification.objects.filter(recipient=order.shopper, kind="payment_refunded").count() == 1
    )
    assert not OrderEvent.objects.filter(order=order, to_status=Order.Status.CONFIRMED).exists()
    assert GatewayNotification.objects.get().reason.startswith("refunded at once")


def test_an_order_paid_through_both_gateways_keeps_one_payment(sandbox_site, client):
    order = OrderFactory(payment_method="alipay")
    by_alipay = start(order, "alipay")
    by_wechat = start(order, "wechat_pay")
    alipay_trade = pay_with_notice_lost(by_alipay)
    wechat_trade = pay_with_notice_lost(by_wechat)

    first = post(client, "alipay", *notification(alipay_trade))
    second = post(client, "wechat_pay", *notification(wechat_trade))

    assert succeeded("alipay", first) and succeeded("wechat_pay", second)
    order.refresh_from_db()
    by_alipay.refresh_from_db()
    by_wechat.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED
    assert OrderEvent.objects.filter(order=order, to_status=Order.Status.CONFIRMED).count() == 1
    assert by_alipay.state == Payment.State.PAID and by_alipay.refunded == 0
    assert by_wechat.state == Payment.State.REFUNDED
    refund = Refund.objects.get()
    assert (refund.payment, refund.reason, refund.state) == (
        by_wechat,
        Refund.Reason.PAID_TWICE,
        Refund.State.SUCCEEDED,
    )
    assert SandboxRefund.objects.get().trade == wechat_trade


# 6: the return page.


@pytest.fixture
def shopper_client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_forged_return_parameters_never_mark_anything_paid(sandbox_site, shopper_client, gateway):
    order = OrderFactory(payment_method=gateway)
    payment = start(order, gateway)
    requests.get(payment.qr_text or payment.resume_url, timeout=10)  # the trade, unpaid
    shopper_client.force_login(order.shopper)
    forged_return = sign_params(
        {
            "out_trade_no": payment.trade_number,
            "trade_no": "2026010122001400000000000001",
            "total_amount": f"{payment.amount:.2f}",
            "trade_status": "TRADE_SUCCESS",
            "app_id": merchant_id("alipay"),
            "sign_type": "RSA2",
        }
    )

    page = shopper_client.get(reverse("payments:return", args=[order.number]), forged_return)

    assert page.status_code == 200
    assert "Payment processing" in page.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PENDING


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_back_from_the_gateway_with_the_notification_lost_the_store_asks(
    sandbox_site, shopper_client, gateway
):
    order = OrderFactory(payment_method=gateway)
    payment = start(order, gateway)
    pay_with_notice_lost(payment)
    shopper_client.force_login(order.shopper)

    page = shopper_client.get(reverse("payments:return", args=[order.number]), follow=True)

    assert page.redirect_chain[-1][0] == reverse("orders:detail", args=[order.number])
    assert "Payment received" in page.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PAID


# 7: the sweep.


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_the_sweep_takes_a_lost_payment_once_it_is_old_enough(sandbox_site, gateway):
    old_order, young_order = (
        OrderFactory(payment_method=gateway),
        OrderFactory(payment_method=gateway),
    )
    old, young = start(old_order, gateway), start(young_order, gateway)
    pay_with_notice_lost(old)
    pay_with_notice_lost(young)
    minutes = settings.PAYMENT_PENDING_CHECK_MINUTES
    Payment.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes, seconds=5)
    )
    Payment.objects.filter(pk=young.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes, seconds=-30)
    )

    assert services.check_pending_payments() == 1

    assert Order.objects.get(pk=old_order.pk).status == Order.Status.CONFIRMED
    assert Payment.objects.get(pk=old.pk).state == Payment.State.PAID
    assert Order.objects.get(pk=young_order.pk).status == Order.Status.PLACED
    assert Payment.objects.get(pk=young.pk).state == Payment.State.PENDING
    assert Payment.objects.get(pk=young.pk).checked_at is None


# 8: the status endpoint, and another shopper's order.


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_the_status_endpoint_sends_htmx_on_once_paid(sandbox_site, shopper_client, gateway):
    order = OrderFactory(payment_method=gateway)
    payment = start(order, gateway)
    shopper_client.force_login(order.shopper)
    status_url = reverse("payments:status", args=[order.number])

    waiting = shopper_client.get(status_url, headers={"HX-Request": "true"})
    assert waiting.json() == {"paid": False, "waiting": True}
    assert "HX-Redirect" not in waiting

    pay_with_notice_lost(payment)
    post(shopper_client, gateway, *notification(SandboxTrade.objects.get()))
    paid = shopper_client.get(status_url, headers={"HX-Request": "true"})

    assert paid.status_code == 200 and paid["Content-Type"] == "application/json"
    assert paid.json() == {"paid": True, "waiting": False}
    assert paid["HX-Redirect"] == reverse("orders:detail", args=[order.number])


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_another_shoppers_order_is_not_found_on_any_payment_page(
    sandbox_site, shopper_client, gateway
):
    order = OrderFactory(payment_method=gateway)
    start(order, gateway, device="desktop")  # WeChat Pay: a QR code to show
    shopper_client.force_login(ShopperFactory())

    for name in ("cashier", "return", "status", "qr", "qr_image"):
        url = reverse(f"payments:{name}", args=[order.number])
        assert shopper_client.get(url).status_code == 404, name
    assert (
        shopper_client.post(
            reverse("payments:cashier", args=[order.number]), {"gateway": gateway}
        ).status_code
        == 404
    )
    assert Payment.objects.filter(order=order).count() == 1

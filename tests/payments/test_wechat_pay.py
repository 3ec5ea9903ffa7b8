"""WeChat Pay API v3 end to end: the store's WechatPayGateway (wechatpayv3) talking over
HTTP to the sandbox's WeChat Pay servers on the live server, and the sandbox's pages."""

import json
import secrets
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.urls import reverse
from django.utils import timezone
from wechatpayv3.utils import rsa_sign

from gateway_sandbox.keys import sandbox_keys
from gateway_sandbox.models import SandboxNotice, SandboxTrade
from gateway_sandbox.wechat_pay import protocol
from payments.gateways.base import GatewayError, NotificationRefused
from payments.gateways.wechat_pay import WechatPayGateway

pytestmark = pytest.mark.django_db(transaction=True)

SUBJECT = "秭归脐橙 5kg · Zigui navel oranges"


@pytest.fixture(scope="session")
def sandbox_dir(tmp_path_factory):
    """One set of sandbox keys for the whole run (RSA keys take a moment to make)."""
    return tmp_path_factory.mktemp("payment-sandbox")


@pytest.fixture
def keys(settings, sandbox_dir, live_server):
    settings.PAYMENT_SANDBOX_DIR = sandbox_dir
    settings.SITE_URL = live_server.url
    return sandbox_keys("wechat_pay")


def build_gateway(live_server, keys, **changes):
    config = {
        "mchid": keys["mchid"],
        "appid": keys["appid"],
        "private_key": keys["merchant_private_key"],
        "cert_serial_no": keys["cert_serial_no"],
        "apiv3_key": keys["apiv3_key"],
        "public_key": keys["gateway_public_key"],
        "public_key_id": keys["public_key_id"],
        # The base URL as payments/gateways/__init__.py builds it (with its trailing slash).
        "gateway_url": live_server.url + reverse("gateway_sandbox:wechat_pay_gateway"),
        "notify_url": live_server.url + "/payments/notify/wechat_pay/",
    }
    return WechatPayGateway(**{**config, **changes})


@pytest.fixture
def wechat(live_server, keys):
    return build_gateway(live_server, keys)


def start(gateway, live_server, device, trade_number=None, amount_fen=1230):
    trade_number = trade_number or "T" + secrets.token_hex(8)
    started = gateway.start(
        trade_number=trade_number,
        amount_fen=amount_fen,
        subject=SUBJECT,
        device=device,
        return_url=live_server.url + f"/orders/paid/{trade_number}/?from=wechat",
        notify_url=gateway.notify_url,
        client_ip="203.0.113.9",
        expires_at=timezone.now() + timedelta(minutes=30),
    )
    return trade_number, started


def paid_trade(gateway, live_server, client, amount_fen=1230):
    trade_number, started = start(gateway, live_server, "desktop", amount_fen=amount_fen)
    client.post(started.qr_text, {"action": "pay"})
    return SandboxTrade.objects.get(trade_number=trade_number)


def test_phone_pays_on_the_h5_cashier_and_comes_back(wechat, live_server, client):
    assert wechat.scene_for("phone") == "wechat_h5"
    trade_number, started = start(wechat, live_server, "phone")
    assert started.redirect_url and not started.qr_text
    back = parse_qs(urlsplit(started.redirect_url).query)["redirect_url"][0]
    assert back == live_server.url + f"/orders/paid/{trade_number}/?from=wechat"

    page = client.get(started.redirect_url)
    text = page.content.decode()
    assert page.status_code == 200
    assert "WeChat Pay SANDBOX" in text and "¥12.30" in text
    assert "秭归脐橙 5kg" in text and trade_number in text and "确认支付 Pay" in text
    assert 'name="viewport"' in text and "<style" not in text and "<script" not in text

    paid = client.post(started.redirect_url, {"action": "pay"})
    assert paid.status_code == 302 and paid["Location"] == back
    trade = SandboxTrade.objects.get(trade_number=trade_number)
    assert trade.state == "paid" and trade.scene == "h5"
    # The notification went to the store's notify_url, which this branch does not serve.
    notice = SandboxNotice.objects.get(trade=trade)
    assert notice.attempts == 1 and notice.delivered_at is None


def test_cancel_on_h5_goes_back_unpaid(wechat, live_server, client):
    trade_number, started = start(wechat, live_server, "phone")
    cancelled = client.post(started.redirect_url, {"action": "cancel"})
    assert cancelled.status_code == 302
    assert wechat.query(trade_number).state == "unpaid"


def test_desktop_scan_page_pays(wechat, live_server, client):
    assert wechat.scene_for("desktop") == "wechat_native"
    trade_number, started = start(wechat, live_server, "desktop")
    assert started.qr_text.startswith(live_server.url) and not started.redirect_url
    assert "¥12.30" in client.get(started.qr_text).content.decode()
    assert "已取消" in client.post(started.qr_text, {"action": "cancel"}).content.decode()
    page = client.post(started.qr_text, {"action": "pay"}).content.decode()
    assert "支付成功 Paid" in page and "确认支付" not in page
    state = wechat.query(trade_number)
    assert state.state == "paid" and state.amount_fen == 1230 and state.paid_at is not None


def test_a_closed_trade_cannot_be_paid(wechat, live_server, client):
    trade_number, started = start(wechat, live_server, "desktop")
    assert wechat.close(trade_number) is True
    page = client.post(started.qr_text, {"action": "pay"}).content.decode()
    assert "订单已关闭 This order is closed" in page and "确认支付" not in page
    assert wechat.query(trade_number).state == "closed"


def test_the_notification_verifies(wechat, live_server, client):
    trade = paid_trade(wechat, live_server, client)
    headers, body = protocol.notification(trade)
    notified = wechat.verify_notification(headers=headers, body=body, form={})
    assert notified.trade_number == trade.trade_number
    assert notified.gateway_trade_id == trade.gateway_trade_id
    assert notified.amount_fen == 1230 and notified.paid
    assert notified.paid_at == trade.paid_at.replace(microsecond=0)
    assert notified.raw["event_type"] == "TRANSACTION.SUCCESS" and notified.raw["id"]
    assert notified.raw["mchid"] == wechat.merchant_id
    assert wechat.answer(True).status == 204
    refused = wechat.answer(False, "amount differs")
    assert refused.status == 400 and json.loads(refused.body)["code"] == "FAIL"


def _resigned(body, timestamp=None):
    """Headers signed by the sandbox's platform key over `body` (at `timestamp`)."""
    headers = protocol.signed_headers(body)
    if timestamp is not None:
        headers["Wechatpay-Timestamp"] = str(timestamp)
        headers["Wechatpay-Signature"] = protocol.sign(
            f"{timestamp}\n{headers['Wechatpay-Nonce']}\n{body.decode()}\n"
        )
    return headers


def _message(trade, apiv3_key, **resource_changes):
    resource = {**protocol.transaction(trade), **resource_changes}
    message = {
        "id": "EV-1",
        "create_time": protocol.rfc3339(timezone.now()),
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功",
        "resource": protocol.encrypt_resource(json.dumps(resource), apiv3_key, "transaction"),
    }
    return json.dumps(message).encode()


def test_notifications_that_fail_a_check_are_refused(wechat, live_server, client, keys):
    trade = paid_trade(wechat, live_server, client)
    headers, body = protocol.notification(trade)

    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = dict(headers)
    forged["Wechatpay-Signature"] = rsa_sign(
        other_key,
        f"{headers['Wechatpay-Timestamp']}\n{headers['Wechatpay-Nonce']}\n{body.decode()}\n",
    )
    cases = {
        "forged signature": (forged, body, "signature does not verify"),
        "tampered body": (
            headers,
            body.replace(b'"EV', b'"EW') + b" ",
            "signature does not verify",
        ),
        "wrong API v3 key": (
            _resigned(wrong := _message(trade, "k" * 32)),
            wrong,
            "resource does not decrypt",
        ),
        "wrong mchid": (
            _resigned(other := _message(trade, keys["apiv3_key"], mchid="1999999999")),
            other,
            "mchid is 1999999999",
        ),
        "old timestamp": (_resigned(body, int(time.time()) - 600), body, "5 minutes"),
        "missing headers": ({}, body, "missing headers"),
    }
    for name, (case_headers, case_body, reason) in cases.items():
        with pytest.raises(NotificationRefused) as refused:
            wechat.verify_notification(headers=case_headers, body=case_body, form={})
        assert reason in refused.value.reason, name


def test_the_sandbox_refuses_a_call_signed_with_another_key(live_server, keys):
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    impostor = build_gateway(live_server, keys, private_key=pem)
    with pytest.raises(GatewayError, match="SIGN_ERROR"):
        impostor.query("T-anything")


def test_an_answer_not_signed_by_wechat_pay_is_an_error(live_server, keys):
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = (
        other_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    deceived = build_gateway(live_server, keys, public_key=public)
    with pytest.raises(GatewayError, match="verify the signature"):
        start(deceived, live_server, "desktop")  # the SDK checks every 2xx answer


def test_query_close_and_unreachable(wechat, live_server, client, keys):
    unpaid, _ = start(wechat, live_server, "phone")
    assert wechat.query(unpaid).state == "unpaid"
    assert wechat.query("T-never-created").state == "not_found"
    paid = paid_trade(wechat, live_server, client)
    assert wechat.close(paid.trade_number) is False
    assert wechat.query(paid.trade_number).state == "paid"
    assert wechat.close(unpaid) is True
    assert wechat.query(unpaid).state == "closed"
    unreachable = build_gateway(live_server, keys, gateway_url="http://127.0.0.1:9")
    with pytest.raises(GatewayError):
        unreachable.query(unpaid)


def test_refunds_and_the_bill(wechat, live_server, client):
    trade = paid_trade(wechat, live_server, client, amount_fen=2500)
    number = trade.trade_number
    first = wechat.refund(
        trade_number=number, refund_number="R1", amount_fen=1000, total_fen=2500, reason="坏果"
    )
    again = wechat.refund(
        trade_number=number, refund_number="R1", amount_fen=1000, total_fen=2500, reason="坏果"
    )
    assert first.state == again.state == "succeeded" and first.amount_fen == 1000
    assert first.gateway_refund_id == again.gateway_refund_id
    trade.refresh_from_db()
    assert trade.refunded_fen == 1000
    over = wechat.refund(
        trade_number=number, refund_number="R2", amount_fen=2000, total_fen=2500, reason=""
    )
    assert over.state == "failed" and over.raw["code"] == "INVALID_REQUEST"
    assert wechat.query(number).state == "paid"  # REFUND: paid, refunded since

    asked = wechat.query_refund(trade_number=number, refund_number="R1")
    assert asked.state == "succeeded" and asked.gateway_refund_id == first.gateway_refund_id
    missing = wechat.query_refund(trade_number=number, refund_number="R-none")
    assert missing.state == "failed" and missing.raw["code"] == "RESOURCE_NOT_EXISTS"

    rows = wechat.bill(timezone.localdate())
    assert [(row.kind, row.trade_number, row.refund_number, row.amount_fen) for row in rows] == [
        ("payment", number, "", 2500),
        ("refund", number, "R1", 1000),
    ]
    assert rows[0].gateway_id == trade.gateway_trade_id
    assert rows[1].gateway_id == first.gateway_refund_id
    assert rows[0].at is not None


def test_an_expired_trade_shows_closed(wechat, live_server, client):
    trade_number, started = start(wechat, live_server, "phone")
    SandboxTrade.objects.filter(trade_number=trade_number).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    page = client.post(started.redirect_url, {"action": "pay"}).content.decode()
    assert "订单已关闭 This order is closed" in page and "确认支付" not in page
    assert wechat.query(trade_number).state == "unpaid"

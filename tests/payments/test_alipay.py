"""AlipayGateway against the sandbox's Alipay, over HTTP (the live server): the signed
page request opens the cashier, paying there sends a notification the gateway verifies,
and query, close, refund, refund query and the bill answer as Alipay does."""

import base64
import re
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from gateway_sandbox.alipay.signing import sign_params, signing_text
from gateway_sandbox.keys import sandbox_keys
from gateway_sandbox.models import SandboxNotice, SandboxRefund, SandboxTrade
from gateway_sandbox.protocols import protocol_for
from payments.gateways.alipay import AlipayGateway
from payments.gateways.base import GatewayError, NotificationRefused

SUBJECT = "秭归脐橙 5kg · Zigui navel oranges"


@pytest.fixture(scope="session")
def sandbox_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("payment-sandbox")  # one key set for the whole run


@pytest.fixture
def alipay(live_server, settings, transactional_db, sandbox_dir):
    settings.SITE_URL = live_server.url
    settings.PAYMENT_SANDBOX_DIR = sandbox_dir
    settings.PAYMENT_GATEWAY_TIMEOUT = (2.0, 5.0)
    return gateway_with(live_server.url)


def gateway_with(site_url, **changes):
    keys = sandbox_keys("alipay")
    config = {
        "app_id": keys["app_id"],
        "app_private_key": keys["merchant_private_key"],
        "alipay_public_key": keys["gateway_public_key"],
        "gateway_url": site_url + reverse("gateway_sandbox:alipay_gateway"),
        "notify_url": site_url + "/payments/notify/alipay/",
    }
    return AlipayGateway(**{**config, **changes})


def other_key_pair():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return key, private, public


def start(gateway, trade_number, *, amount_fen=1230, device="phone", minutes=30):
    return gateway.start(
        trade_number=trade_number,
        amount_fen=amount_fen,
        subject=SUBJECT,
        device=device,
        return_url=f"{gateway.gateway_url.split('/sandbox-gateway/')[0]}/orders/back/{trade_number}/",
        notify_url=gateway.notify_url,
        client_ip="127.0.0.1",
        expires_at=timezone.now() + timedelta(minutes=minutes),
    )


def open_cashier(started):
    """The shopper's browser follows the signed page request: (session, cashier response)."""
    browser = requests.Session()
    first = browser.get(started.redirect_url, allow_redirects=False, timeout=5)
    assert first.status_code == 302
    assert re.fullmatch(r"/sandbox-gateway/alipay/cashier/[^/]+/", first.headers["Location"])
    page = browser.get(started.redirect_url, timeout=5)
    assert page.status_code == 200
    return browser, page


def press(browser, page, action):
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return browser.post(
        page.url,
        data={"csrfmiddlewaretoken": token, "action": action},
        allow_redirects=False,
        timeout=5,
    )


def paid_trade(gateway, trade_number, **options):
    browser, page = open_cashier(start(gateway, trade_number, **options))
    answer = press(browser, page, "pay")
    assert answer.status_code == 302
    return SandboxTrade.objects.get(trade_number=trade_number), answer


def notification_form(trade):
    headers, body = protocol_for("alipay").notification(trade)
    return headers, body, QueryDict(body.decode(), encoding="utf-8")


@pytest.mark.parametrize(("device", "scene"), [("phone", "wap"), ("desktop", "page")])
def test_the_signed_page_request_opens_the_cashier_with_the_amount_and_subject(
    alipay, device, scene
):
    started = start(alipay, f"T-{device}", device=device)

    assert started.redirect_url.startswith(alipay.gateway_url + "?")
    _, page = open_cashier(started)

    assert "¥12.30" in page.text
    assert "秭归脐橙 5kg · Zigui navel oranges" in page.text
    assert f"T-{device}" in page.text
    assert "Alipay SANDBOX" in page.text and "确认付款 Pay" in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page.text
    trade = SandboxTrade.objects.get(trade_number=f"T-{device}")
    assert (trade.amount_fen, trade.scene, trade.state) == (1230, scene, "waiting")
    assert trade.notify_url == alipay.notify_url
    assert alipay.scene_for(device) == f"alipay_{scene}"


def test_paying_returns_the_shopper_signed_and_the_notification_verifies(alipay):
    trade, answer = paid_trade(alipay, "T-PAY")

    assert trade.state == "paid"
    returned = dict(parse_qsl(urlsplit(answer.headers["Location"]).query))
    assert answer.headers["Location"].startswith(alipay.gateway_url.split("/sandbox-gateway/")[0])
    assert returned["out_trade_no"] == "T-PAY" and returned["total_amount"] == "12.30"
    assert returned["method"] == "alipay.trade.wap.pay.return"
    sign = returned.pop("sign")
    assert alipay.client.verify(returned, sign)
    # Sent once at once (the store's notify_url, absent in this branch, did not take it).
    assert SandboxNotice.objects.get(trade=trade).attempts == 1

    headers, body, form = notification_form(trade)
    notified = alipay.verify_notification(headers=headers, body=body, form=form)

    assert headers["Content-Type"] == "application/x-www-form-urlencoded; charset=utf-8"
    assert notified.trade_number == "T-PAY"
    assert notified.gateway_trade_id == trade.gateway_trade_id
    assert notified.amount_fen == 1230
    assert notified.paid is True
    assert notified.paid_at == trade.paid_at.replace(microsecond=0)
    assert notified.raw["subject"] == SUBJECT and "sign" not in notified.raw
    assert alipay.answer(True).body == "success" and alipay.answer(False).body == "fail"


def test_a_tampered_forged_or_foreign_notification_is_refused(alipay):
    trade, _ = paid_trade(alipay, "T-FORGE")
    headers, body, form = notification_form(trade)
    fields = form.dict()

    tampered = {**fields, "total_amount": "0.01"}
    other_key, _, _ = other_key_pair()
    forged = {**fields, "total_amount": "0.01"}
    forged["sign"] = base64.b64encode(
        other_key.sign(
            signing_text(forged, without=("sign", "sign_type")).encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    ).decode()
    foreign = sign_params({k: v for k, v in fields.items() if k != "sign"} | {"app_id": "2021x"})
    unsigned = {k: v for k, v in fields.items() if k != "sign"}
    rsa1 = {**fields, "sign_type": "RSA"}

    reasons = []
    for form in (tampered, forged, foreign, unsigned, rsa1):
        with pytest.raises(NotificationRefused) as refused:
            alipay.verify_notification(headers=headers, body=b"", form=form)
        reasons.append(refused.value.reason)

    assert reasons == [
        "signature does not verify",
        "signature does not verify",
        f"app_id is 2021x, ours is {alipay.merchant_id}",
        "missing sign",
        "sign_type is RSA, not RSA2",
    ]


def test_query_says_not_found_unpaid_paid_and_closed(alipay):
    assert alipay.query("T-Q").state == "not_found"
    browser, page = open_cashier(start(alipay, "T-Q"))
    assert alipay.query("T-Q").state == "unpaid"

    press(browser, page, "pay")
    paid = alipay.query("T-Q")
    trade = SandboxTrade.objects.get(trade_number="T-Q")

    assert (paid.state, paid.amount_fen, paid.gateway_trade_id) == (
        "paid",
        1230,
        trade.gateway_trade_id,
    )
    assert paid.paid_at == trade.paid_at.replace(microsecond=0)
    open_cashier(start(alipay, "T-Q-CLOSED"))
    assert alipay.close("T-Q-CLOSED") is True
    assert alipay.query("T-Q-CLOSED").state == "closed"


def test_close_closes_an_unpaid_trade_whose_cashier_then_refuses_to_pay(alipay):
    browser, page = open_cashier(start(alipay, "T-CLOSE"))

    assert alipay.close("T-CLOSE") is True
    assert alipay.close("T-NEVER-OPENED") is True  # never created at Alipay
    refused = press(browser, page, "pay")

    assert refused.status_code == 409
    assert "交易已关闭 This trade is closed" in refused.text.replace(" · ", " ")
    assert "确认付款" not in refused.text
    trade = SandboxTrade.objects.get(trade_number="T-CLOSE")
    assert (trade.state, trade.paid_at) == ("closed", None)
    assert SandboxNotice.objects.filter(trade=trade).count() == 0


def test_close_of_a_paid_trade_says_false(alipay):
    paid_trade(alipay, "T-PAID-CLOSE")

    assert alipay.close("T-PAID-CLOSE") is False
    assert SandboxTrade.objects.get(trade_number="T-PAID-CLOSE").state == "paid"


def test_an_expired_trade_shows_closed_and_cancel_returns_unpaid(alipay):
    _, page = open_cashier(start(alipay, "T-EXPIRED", minutes=-1))
    assert "This trade is closed" in page.text and "确认付款" not in page.text

    browser, page = open_cashier(start(alipay, "T-CANCEL"))
    cancelled = press(browser, page, "cancel")

    assert cancelled.status_code == 302
    assert cancelled.headers["Location"].endswith("/orders/back/T-CANCEL/")
    assert SandboxTrade.objects.get(trade_number="T-CANCEL").state == "waiting"


def test_refund_once_per_number_never_over_the_amount_and_query_refund(alipay):
    paid_trade(alipay, "T-REFUND")
    ask = {"trade_number": "T-REFUND", "total_fen": 1230, "reason": "坏果 bad fruit"}

    first = alipay.refund(refund_number="R-1", amount_fen=500, **ask)
    again = alipay.refund(refund_number="R-1", amount_fen=500, **ask)
    over = alipay.refund(refund_number="R-2", amount_fen=1000, **ask)

    assert (first.state, first.amount_fen, first.raw["fund_change"]) == ("succeeded", 500, "Y")
    assert (again.state, again.raw["fund_change"]) == ("succeeded", "N")
    assert (over.state, over.raw["sub_code"]) == ("failed", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL")
    trade = SandboxTrade.objects.get(trade_number="T-REFUND")
    assert trade.refunded_fen == 500
    assert SandboxRefund.objects.filter(trade=trade).count() == 1

    found = alipay.query_refund(trade_number="T-REFUND", refund_number="R-1")
    missing = alipay.query_refund(trade_number="T-REFUND", refund_number="R-2")
    assert (found.state, found.amount_fen) == ("succeeded", 500)
    assert (missing.state, missing.amount_fen) == ("failed", 0)
    assert alipay.query("T-REFUND").state == "paid"  # refunded in part, still paid

    rest = alipay.refund(refund_number="R-3", amount_fen=730, **ask)
    assert rest.state == "succeeded"
    assert alipay.query("T-REFUND").state == "paid"  # TRADE_CLOSED, but it was paid


def test_refund_of_an_unpaid_trade_fails(alipay):
    open_cashier(start(alipay, "T-UNPAID-REFUND"))

    refused = alipay.refund(
        trade_number="T-UNPAID-REFUND",
        refund_number="R-X",
        amount_fen=100,
        total_fen=1230,
        reason="",
    )

    assert (refused.state, refused.raw["sub_code"]) == ("failed", "ACQ.TRADE_STATUS_ERROR")


def test_the_bill_lists_the_days_payment_and_refund_in_fen(alipay):
    trade, _ = paid_trade(alipay, "T-BILL", amount_fen=8800)
    alipay.refund(
        trade_number="T-BILL", refund_number="R-BILL", amount_fen=1250, total_fen=8800, reason=""
    )

    rows = alipay.bill(timezone.localdate())

    assert [
        (r.kind, r.trade_number, r.refund_number, r.gateway_id, r.amount_fen) for r in rows
    ] == [
        ("payment", "T-BILL", "", trade.gateway_trade_id, 8800),
        ("refund", "T-BILL", "R-BILL", trade.gateway_trade_id, 1250),
    ]
    assert rows[0].at == trade.paid_at.replace(microsecond=0)
    assert alipay.bill(timezone.localdate() - timedelta(days=1)) == []


def test_a_wrong_key_or_no_gateway_is_a_gateway_error(alipay, live_server):
    _, private, public = other_key_pair()
    signed_by_a_stranger = gateway_with(live_server.url, app_private_key=private)
    trusting_a_stranger = gateway_with(live_server.url, alipay_public_key=public)
    unreachable = gateway_with("http://127.0.0.1:9")

    for gateway in (signed_by_a_stranger, trusting_a_stranger, unreachable):
        with pytest.raises(GatewayError):
            gateway.query("T-ANY")


def test_a_page_request_signed_by_a_stranger_opens_no_cashier(alipay, live_server):
    _, private, _ = other_key_pair()
    started = start(gateway_with(live_server.url, app_private_key=private), "T-STRANGER")

    answer = requests.get(started.redirect_url, allow_redirects=False, timeout=5)

    assert answer.status_code == 400
    assert "isv.invalid-signature" in answer.text
    assert not SandboxTrade.objects.filter(trade_number="T-STRANGER").exists()

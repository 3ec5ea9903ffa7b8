"""WeChat Pay API v3 as the sandbox speaks it: the merchant's signed requests checked
with its API public key, every answer and notification signed with the platform
("WeChat Pay public key") private key, a notification's resource encrypted with the
merchant's API v3 key (AES-256-GCM), and WeChat's retry schedule."""

import json
import re
import secrets
import time
from base64 import b64decode, b64encode
from datetime import datetime, timedelta, timezone

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gateway_sandbox.keys import WECHAT_PAY, private_key, public_key, sandbox_keys
from gateway_sandbox.models import SandboxTrade
from gateway_sandbox.protocols import GatewayProtocol, register

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
BEIJING = timezone(timedelta(hours=8))
# How far a request's timestamp may be from now (WeChat: 5 minutes).
REQUEST_MAX_SKEW_SECONDS = 300
# WeChat's notification schedule: 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h.
RETRY_AFTER = (
    15,
    15,
    30,
    180,
    600,
    1200,
    1800,
    1800,
    1800,
    3600,
    10800,
    10800,
    10800,
    21600,
    21600,
)
_AUTHORIZATION_FIELD = re.compile(r'(\w+)="([^"]*)"')


class SignatureRefused(Exception):
    """The request's Authorization does not verify; `reason` says why (for the log)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def keys() -> dict[str, str]:
    return sandbox_keys(WECHAT_PAY)


def _nonce(length: int = 32) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def sign(message: str) -> str:
    """Base64 SHA256-with-RSA of `message` with the platform private key."""
    signature = private_key(keys()["gateway_private_key"]).sign(
        message.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    return b64encode(signature).decode()


def signed_headers(body: bytes) -> dict[str, str]:
    """The Wechatpay-* headers of an answer or notification carrying `body`."""
    timestamp, nonce = str(int(time.time())), _nonce()
    return {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": sign(f"{timestamp}\n{nonce}\n{body.decode()}\n"),
        "Wechatpay-Serial": keys()["public_key_id"],
        "Wechatpay-Signature-Type": SIGNATURE_TYPE,
    }


def verify_request(method: str, path: str, authorization: str, body: bytes) -> str:
    """The mchid of a request whose Authorization header is the merchant's signature of
    "METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n" (`path` as the merchant signed it:
    after the gateway's base URL). Raises SignatureRefused."""
    scheme, _, fields_text = authorization.partition(" ")
    if scheme != SIGNATURE_TYPE:
        raise SignatureRefused(f"Authorization scheme is {scheme!r}")
    fields = dict(_AUTHORIZATION_FIELD.findall(fields_text))
    wanted = ("mchid", "nonce_str", "signature", "timestamp", "serial_no")
    if any(not fields.get(name) for name in wanted):
        raise SignatureRefused("Authorization lacks " + ", ".join(wanted))
    ours = keys()
    if fields["mchid"] != ours["mchid"]:
        raise SignatureRefused(f"mchid {fields['mchid']} is not a merchant here")
    if fields["serial_no"] != ours["cert_serial_no"]:
        raise SignatureRefused(f"certificate {fields['serial_no']} is not the merchant's")
    try:
        skew = abs(time.time() - int(fields["timestamp"]))
    except ValueError:
        raise SignatureRefused("timestamp is not a number") from None
    if skew > REQUEST_MAX_SKEW_SECONDS:
        raise SignatureRefused("timestamp is more than 5 minutes from now")
    message = (
        f"{method}\n{path}\n{fields['timestamp']}\n{fields['nonce_str']}\n"
        f"{body.decode('utf-8', 'replace')}\n"
    )
    try:
        public_key(ours["merchant_public_key"]).verify(
            b64decode(fields["signature"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError):
        raise SignatureRefused("signature does not verify") from None
    return fields["mchid"]


def rfc3339(moment: datetime | None) -> str:
    return moment.astimezone(BEIJING).isoformat(timespec="seconds") if moment else ""


def trade_state(trade: SandboxTrade) -> str:
    if trade.state == SandboxTrade.State.PAID:
        return "REFUND" if trade.refunded_fen else "SUCCESS"
    if trade.state == SandboxTrade.State.CLOSED:
        return "CLOSED"
    return "NOTPAY"


TRADE_STATE_DESC = {
    "SUCCESS": "支付成功",
    "REFUND": "转入退款",
    "NOTPAY": "未支付",
    "CLOSED": "已关闭",
}


def transaction(trade: SandboxTrade) -> dict:
    """The trade as WeChat Pay describes it (a query's answer, a notification's resource)."""
    state = trade_state(trade)
    data = {
        "mchid": trade.merchant_id,
        "appid": keys()["appid"],
        "out_trade_no": trade.trade_number,
        "trade_type": "MWEB" if trade.scene == "h5" else "NATIVE",
        "trade_state": state,
        "trade_state_desc": TRADE_STATE_DESC[state],
        "attach": "",
        "amount": {"total": trade.amount_fen, "currency": "CNY"},
    }
    if trade.state == SandboxTrade.State.PAID:
        data.update(
            transaction_id=trade.gateway_trade_id,
            bank_type="OTHERS",
            success_time=rfc3339(trade.paid_at),
            payer={"openid": "o" + trade.token[:27]},
            amount={
                "total": trade.amount_fen,
                "payer_total": trade.amount_fen,
                "currency": "CNY",
                "payer_currency": "CNY",
            },
        )
    return data


def encrypt_resource(plaintext: str, apiv3_key: str, associated_data: str) -> dict[str, str]:
    """A notification's resource: AEAD_AES_256_GCM with the API v3 key, a 12-character
    nonce."""
    nonce = _nonce(12)
    ciphertext = AESGCM(apiv3_key.encode()).encrypt(
        nonce.encode(), plaintext.encode(), associated_data.encode()
    )
    return {
        "original_type": "transaction",
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": b64encode(ciphertext).decode(),
        "associated_data": associated_data,
        "nonce": nonce,
    }


def notification(trade: SandboxTrade) -> tuple[dict[str, str], bytes]:
    """The TRANSACTION.SUCCESS notification of a paid trade: (headers, JSON body)."""
    resource = json.dumps(transaction(trade), ensure_ascii=False)
    message = {
        "id": f"{trade.gateway_trade_id[:8]}-{secrets.token_hex(4)}-{trade.pk}",
        "create_time": rfc3339(datetime.now(BEIJING)),
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功",
        "resource": encrypt_resource(resource, keys()["apiv3_key"], "transaction"),
    }
    body = json.dumps(message, ensure_ascii=False).encode()
    headers = {**signed_headers(body), "Content-Type": "application/json"}
    return headers, body


def register_protocol() -> None:
    register(
        GatewayProtocol(
            gateway=WECHAT_PAY,
            notification=notification,
            acknowledged=lambda status, body: status in (200, 204),
            retry_after=RETRY_AFTER,
        )
    )

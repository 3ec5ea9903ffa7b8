"""WeChat Pay API v3 through wechatpayv3, in public-key mode: the store signs each call
with its API private key, and checks each answer and notification with WeChat Pay's
public key (so start-up downloads no platform certificate). The sandbox and production
differ only in the gateway's base URL."""

import csv
import gzip
import hashlib
import io
import json
import time
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.conf import settings
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.utils import load_public_key, rsa_verify

from payments.gateways.base import (
    BillRow,
    Device,
    Gateway,
    GatewayError,
    NotificationAnswer,
    NotificationRefused,
    NotifiedPayment,
    RefundState,
    StartedPayment,
    TradeState,
)
from payments.money import parse_yuan

BEIJING = timezone(timedelta(hours=8))
SHANGHAI = ZoneInfo("Asia/Shanghai")
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
# A notification signed longer ago than this is refused (a replay: WeChat signs each
# attempt afresh).
NOTIFICATION_MAX_AGE_SECONDS = 300
DESCRIPTION_MAX_BYTES = 127
NOTIFICATION_HEADERS = (
    "Wechatpay-Timestamp",
    "Wechatpay-Nonce",
    "Wechatpay-Signature",
    "Wechatpay-Serial",
    "Wechatpay-Signature-Type",
)
TRADE_STATES = {
    "SUCCESS": "paid",
    "REFUND": "paid",  # paid, and refunded since
    "NOTPAY": "unpaid",
    "USERPAYING": "unpaid",
    "PAYERROR": "unpaid",
    "CLOSED": "closed",
    "REVOKED": "closed",
}
REFUND_STATES = {
    "SUCCESS": "succeeded",
    "PROCESSING": "pending",
    "CLOSED": "failed",
    "ABNORMAL": "failed",
}
# Error codes that say "not now" rather than "no": the call is tried again later.
# Refusals that clear by themselves (NOT_ENOUGH: the merchant's balance is short until the
# day's takings arrive): the call raises GatewayError and is tried again, same number.
TRANSIENT_CODES = {"SYSTEM_ERROR", "FREQUENCY_LIMITED", "SIGN_ERROR", "BANK_ERROR", "NOT_ENOUGH"}


def _description(subject: str) -> str:
    """The subject cut to WeChat's 127 bytes of UTF-8, never inside a character."""
    return subject.encode()[:DESCRIPTION_MAX_BYTES].decode("utf-8", "ignore") or "-"


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _json(text: str | bytes) -> dict:
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class WechatPayGateway(Gateway):
    """WeChat Pay: H5 pay in a phone's browser, Native pay (a QR code) on a computer."""

    code = "wechat_pay"
    PRODUCTION_URL = "https://api.mch.weixin.qq.com"

    def __init__(
        self,
        *,
        mchid: str,
        appid: str,
        private_key: str,
        cert_serial_no: str,
        apiv3_key: str,
        public_key: str,
        public_key_id: str,
        gateway_url: str,
        notify_url: str,
    ):
        self.merchant_id = mchid
        self.appid = appid
        self.public_key_id = public_key_id
        self.notify_url = notify_url
        self.gateway_url = gateway_url.rstrip("/")
        self._platform_key = load_public_key(public_key)
        self._wxpay = WeChatPay(
            wechatpay_type=WeChatPayType.NATIVE,
            mchid=mchid,
            private_key=private_key,
            cert_serial_no=cert_serial_no,
            appid=appid,
            apiv3_key=apiv3_key,
            notify_url=notify_url,
            timeout=settings.PAYMENT_GATEWAY_TIMEOUT,
            public_key=public_key,
            public_key_id=public_key_id,
        )
        # The SDK's base URL is fixed to production's; the sandbox's is set here.
        self._wxpay._core._gate_way = self.gateway_url

    def _call(self, method, *args, **kwargs) -> tuple[int, dict | bytes]:
        """One SDK call: (status, the JSON answer, or the bytes of a file). Raises
        GatewayError when WeChat Pay cannot be reached or its answer is not signed by it."""
        try:
            status, message = method(*args, **kwargs)
        except Exception as error:  # requests' errors, and the SDK's bare Exception
            raise GatewayError(f"WeChat Pay: {type(error).__name__}: {error}") from error
        if isinstance(message, bytes) and 200 <= status < 300:
            return status, message
        return status, _json(message)

    @staticmethod
    def _unexpected(status: int, data: dict | bytes) -> GatewayError:
        detail = data if isinstance(data, dict) else {}
        return GatewayError(
            f"WeChat Pay answered {status} {detail.get('code', '')} {detail.get('message', '')}"
        )

    def scene_for(self, device: Device) -> str:
        return "wechat_h5" if device == "phone" else "wechat_native"

    def start(
        self,
        *,
        trade_number: str,
        amount_fen: int,
        subject: str,
        device: Device,
        return_url: str,
        notify_url: str,
        client_ip: str,
        expires_at: datetime,
    ) -> StartedPayment:
        """H5 on a phone (WeChat's cashier page, back to return_url after), Native on a
        computer (the code the page shows as a QR image)."""
        common = {
            "description": _description(subject),
            "out_trade_no": trade_number,
            "amount": {"total": amount_fen, "currency": "CNY"},
            "time_expire": expires_at.astimezone(BEIJING).isoformat(timespec="seconds"),
            "notify_url": notify_url or self.notify_url,
        }
        if device == "phone":
            status, data = self._call(
                self._wxpay.pay,
                pay_type=WeChatPayType.H5,
                scene_info={
                    "payer_client_ip": client_ip or "127.0.0.1",
                    "h5_info": {"type": "Wap"},
                },
                **common,
            )
            if status == 200 and isinstance(data, dict) and data.get("h5_url"):
                return StartedPayment(
                    redirect_url=data["h5_url"] + "&redirect_url=" + quote(return_url, safe="")
                )
            raise self._unexpected(status, data)
        status, data = self._call(self._wxpay.pay, pay_type=WeChatPayType.NATIVE, **common)
        if status == 200 and isinstance(data, dict) and data.get("code_url"):
            return StartedPayment(qr_text=data["code_url"])
        raise self._unexpected(status, data)

    def verify_notification(
        self, *, headers: Mapping[str, str], body: bytes, form: Mapping[str, str]
    ) -> NotifiedPayment:
        """Signed by WeChat Pay's public key (its id in Wechatpay-Serial) lately, its
        resource decrypted with our API v3 key, a transaction of our mchid and appid."""
        signed = {name: headers.get(name, "") or "" for name in NOTIFICATION_HEADERS}
        missing = [name for name, value in signed.items() if not value]
        if missing:
            raise NotificationRefused("missing headers: " + ", ".join(missing))
        if signed["Wechatpay-Signature-Type"] != SIGNATURE_TYPE:
            raise NotificationRefused(
                f"signature type is {signed['Wechatpay-Signature-Type']}, not {SIGNATURE_TYPE}"
            )
        if signed["Wechatpay-Serial"] != self.public_key_id:
            raise NotificationRefused(
                f"signed with key {signed['Wechatpay-Serial']}, ours is {self.public_key_id}"
            )
        stamp = signed["Wechatpay-Timestamp"]
        if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
            raise NotificationRefused("timestamp is not a number of seconds")
        signed_at = int(stamp)
        if abs(time.time() - signed_at) > NOTIFICATION_MAX_AGE_SECONDS:
            raise NotificationRefused(f"timestamp {signed_at} is more than 5 minutes from now")
        try:
            text = body.decode("utf-8") if isinstance(body, bytes) else str(body)
        except UnicodeDecodeError:
            raise NotificationRefused("body is not UTF-8") from None
        if not rsa_verify(
            signed["Wechatpay-Timestamp"],
            signed["Wechatpay-Nonce"],
            text,
            signed["Wechatpay-Signature"],
            self._platform_key,
        ):
            raise NotificationRefused("signature does not verify")
        message = _json(text)
        if message.get("resource_type") != "encrypt-resource" or not message.get("resource"):
            raise NotificationRefused("no encrypted resource")
        try:
            verified = self._wxpay.callback(signed, text)
        except Exception as error:  # the SDK's bare Exception: an algorithm it does not know
            raise NotificationRefused(f"resource does not decrypt: {error}") from error
        if not verified or not isinstance(verified.get("resource"), dict):
            raise NotificationRefused("resource does not decrypt")
        resource = verified["resource"]
        if (
            message.get("event_type") != "TRANSACTION.SUCCESS"
            or message["resource"].get("original_type") != "transaction"
        ):
            raise NotificationRefused(f"not a transaction event: {message.get('event_type')}")
        if resource.get("mchid") != self.merchant_id:
            raise NotificationRefused(
                f"mchid is {resource.get('mchid')}, ours is {self.merchant_id}"
            )
        if resource.get("appid") != self.appid:
            raise NotificationRefused(f"appid is {resource.get('appid')}, ours is {self.appid}")
        amount = resource.get("amount") or {}
        try:
            amount_fen = int(amount["total"])
        except (KeyError, TypeError, ValueError):
            raise NotificationRefused("amount.total is missing") from None
        if not resource.get("out_trade_no"):
            raise NotificationRefused("out_trade_no is missing")
        return NotifiedPayment(
            trade_number=resource["out_trade_no"],
            gateway_trade_id=resource.get("transaction_id", ""),
            amount_fen=amount_fen,
            paid=resource.get("trade_state") == "SUCCESS",
            paid_at=_parse_time(resource.get("success_time")),
            raw={**resource, "id": message.get("id", ""), "event_type": message["event_type"]},
        )

    def answer(self, accepted: bool, reason: str = "") -> NotificationAnswer:
        """204 when taken; a 4xx with {"code": "FAIL"} otherwise (WeChat Pay sends it again
        later; a 4xx, not a 5xx: a forged request is the sender's fault, not the store's)."""
        if accepted:
            return NotificationAnswer(204)
        return NotificationAnswer(
            400,
            json.dumps({"code": "FAIL", "message": reason or "FAIL"}, ensure_ascii=False),
            "application/json",
        )

    def query(self, trade_number: str) -> TradeState:
        status, data = self._call(self._wxpay.query, out_trade_no=trade_number)
        if status == 200 and isinstance(data, dict) and data.get("trade_state") in TRADE_STATES:
            return TradeState(
                trade_number=trade_number,
                state=TRADE_STATES[data["trade_state"]],
                gateway_trade_id=data.get("transaction_id", ""),
                amount_fen=int((data.get("amount") or {}).get("total") or 0),
                paid_at=_parse_time(data.get("success_time")),
                raw=data,
            )
        if status == 404 and isinstance(data, dict) and data.get("code") == "ORDER_NOT_EXIST":
            return TradeState(trade_number=trade_number, state="not_found", raw=data)
        raise self._unexpected(status, data)

    def close(self, trade_number: str) -> bool:
        status, data = self._call(self._wxpay.close, trade_number)
        code = data.get("code") if isinstance(data, dict) else None
        if status == 204 or code == "ORDER_NOT_EXIST":
            return True
        if code == "ORDERPAID":
            return False
        raise self._unexpected(status, data)

    def _refund_state(self, refund_number: str, status: int, data: dict | bytes) -> RefundState:
        if not isinstance(data, dict):
            raise self._unexpected(status, data)
        if status == 200 and data.get("status") in REFUND_STATES:
            return RefundState(
                refund_number=refund_number,
                state=REFUND_STATES[data["status"]],
                gateway_refund_id=data.get("refund_id", ""),
                amount_fen=int((data.get("amount") or {}).get("refund") or 0),
                raw=data,
            )
        if 400 <= status < 500 and data.get("code") and data["code"] not in TRANSIENT_CODES:
            return RefundState(refund_number=refund_number, state="failed", raw=data)
        raise self._unexpected(status, data)

    def refund(
        self,
        *,
        trade_number: str,
        refund_number: str,
        amount_fen: int,
        total_fen: int,
        reason: str,
    ) -> RefundState:
        """A refund WeChat refuses (NOT_ENOUGH, INVALID_REQUEST, PARAM_ERROR...) is
        "failed", with its answer in raw; the same out_refund_no again is that refund."""
        status, data = self._call(
            self._wxpay.refund,
            out_refund_no=refund_number,
            amount={"refund": amount_fen, "total": total_fen, "currency": "CNY"},
            out_trade_no=trade_number,
            reason=(reason or "")[:80] or None,
        )
        return self._refund_state(refund_number, status, data)

    def query_refund(self, *, trade_number: str, refund_number: str) -> RefundState:
        """The refund as WeChat Pay has it; one it never had (RESOURCE_NOT_EXISTS) is
        "failed"."""
        status, data = self._call(self._wxpay.query_refund, refund_number)
        return self._refund_state(refund_number, status, data)

    def bill(self, day: date) -> list[BillRow]:
        """The trade bill of `day`: fetched (gzip), its SHA1 checked, its CSV read."""
        status, data = self._call(
            self._wxpay.trade_bill, bill_date=day.isoformat(), tar_type="GZIP"
        )
        if status != 200 or not isinstance(data, dict) or not data.get("download_url"):
            raise self._unexpected(status, data)
        status, content = self._call(self._wxpay.download_bill, data["download_url"])
        if status != 200 or not isinstance(content, bytes):
            raise self._unexpected(status, content)
        try:
            content = gzip.decompress(content)
        except (OSError, EOFError) as error:
            raise GatewayError(f"WeChat Pay's bill is not gzip: {error}") from error
        if data.get("hash_value") and data.get("hash_type", "SHA1") == "SHA1":
            if hashlib.sha1(content).hexdigest().lower() != data["hash_value"].lower():
                raise GatewayError("WeChat Pay's bill does not match its SHA1")
        return parse_trade_bill(content.decode("utf-8-sig"))


def parse_trade_bill(text: str) -> list[BillRow]:
    """WeChat's CSV trade bill: a header row, one row per payment (交易状态 SUCCESS) or
    refund (REFUND), each value after a backtick, amounts in yuan; then the totals."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return []
    header = [name.strip() for name in rows[0]]
    index = {name: position for position, name in enumerate(header)}
    lines = []
    for row in rows[1:]:
        if not row or row[0].strip().startswith("总"):
            break  # the totals: 总交易单数,应结订单总金额,...
        values = {name: row[position].strip().lstrip("`") for name, position in index.items()}
        at = None
        if values.get("交易时间"):
            at = datetime.strptime(values["交易时间"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)
        state = values.get("交易状态")
        if state == "SUCCESS":
            lines.append(
                BillRow(
                    kind="payment",
                    trade_number=values["商户订单号"],
                    refund_number="",
                    gateway_id=values["微信订单号"],
                    amount_fen=parse_yuan(values["应结订单金额"]),
                    at=at,
                )
            )
        elif state == "REFUND":
            lines.append(
                BillRow(
                    kind="refund",
                    trade_number=values["商户订单号"],
                    refund_number=values["商户退款单号"],
                    gateway_id=values["微信退款单号"],
                    amount_fen=parse_yuan(values["退款金额"]),
                    at=at,
                )
            )
    return lines

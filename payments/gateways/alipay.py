"""Alipay through python-alipay-sdk (RSA2, the app's private key and Alipay's public key).

The SDK signs every request and verifies every synchronous answer; its gateway address is
the one thing that differs between production and the sandbox the store serves. Amounts
cross this class in fen; Alipay's are yuan text ("12.30").
"""

import csv
import http.client
import io
import zipfile
from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

import requests
from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from alipay.utils import AliPayConfig
from django.conf import settings

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
from payments.money import from_fen, parse_yuan, yuan_text

SHANGHAI = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # Alipay's "yyyy-MM-dd HH:mm:ss", Beijing time
SUCCESS = "10000"
BUSINESS_FAILED = "40004"
PAID_STATUSES = ("TRADE_SUCCESS", "TRADE_FINISHED")
# Errors of a call, not of the business: the SDK's (unsigned answer, bad signature of an
# answer), the network's (urllib's URLError and timeouts are OSErrors), a garbled answer.
CALL_ERRORS = (
    AliPayException,
    AliPayValidationError,
    OSError,
    http.client.HTTPException,
    ValueError,
    requests.RequestException,
)
# Refusals that clear by themselves (the gateway busy, the merchant's balance short until
# the day's takings arrive): the refund stays pending and is asked again, same number.
RETRIED_REFUND_CODES = ("ACQ.SYSTEM_ERROR", "ACQ.SELLER_BALANCE_NOT_ENOUGH")
BILL_DETAIL = "业务明细"
BILL_SUMMARY = "汇总"


def shanghai_time(text: str) -> datetime | None:
    """Alipay's "2026-12-02 11:30:00" (Beijing time) as an aware datetime; None for ""."""
    text = (text or "").strip()
    if not text:
        return None
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=SHANGHAI)


class AlipayGateway(Gateway):
    """Alipay's wap pay (phones) and page pay (computers), with query, close, refund,
    refund query and the day's bill."""

    code = "alipay"
    PRODUCTION_URL = "https://openapi.alipay.com/gateway.do"

    def __init__(
        self,
        *,
        app_id: str,
        app_private_key: str,
        alipay_public_key: str,
        gateway_url: str,
        notify_url: str,
    ):
        self.merchant_id = app_id
        self.gateway_url = gateway_url
        self.notify_url = notify_url
        self.timeout = settings.PAYMENT_GATEWAY_TIMEOUT
        self.client = AliPay(
            appid=app_id,
            app_notify_url=notify_url,
            app_private_key_string=app_private_key,
            alipay_public_key_string=alipay_public_key,
            sign_type="RSA2",
            # The SDK's urlopen takes one timeout, for the connection and each read.
            config=AliPayConfig(timeout=self.timeout[1]),
        )
        self.client._gateway = gateway_url  # the SDK hard-codes production's

    def scene_for(self, device: Device) -> str:
        return "alipay_wap" if device == "phone" else "alipay_page"

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
        """Sign the page request; the trade is created when the shopper's browser opens
        it (Alipay knows nothing of it before)."""
        options = {
            "subject": subject,
            "out_trade_no": trade_number,
            "total_amount": yuan_text(from_fen(amount_fen)),
            "return_url": return_url,
            "notify_url": notify_url or self.notify_url,
            "time_expire": expires_at.astimezone(SHANGHAI).strftime(TIME_FORMAT),
        }
        if device == "phone":
            signed = self.client.api_alipay_trade_wap_pay(quit_url=return_url, **options)
        else:
            signed = self.client.api_alipay_trade_page_pay(**options)
        return StartedPayment(redirect_url=self.gateway_url + "?" + signed)

    def verify_notification(
        self, *, headers: Mapping[str, str], body: bytes, form: Mapping[str, str]
    ) -> NotifiedPayment:
        """Alipay's asynchronous notification (a form POST): RSA2 over the sorted
        parameters but sign and sign_type, with Alipay's public key; our app id."""
        data = {str(key): str(form[key]) for key in form}
        signature = data.pop("sign", "")
        if not signature:
            raise NotificationRefused("missing sign")
        sign_type = data.get("sign_type", "")
        if sign_type != "RSA2":
            raise NotificationRefused(f"sign_type is {sign_type or 'missing'}, not RSA2")
        try:
            verified = self.client.verify(dict(data), signature)
        except (AliPayException, ValueError, TypeError):  # a signature that is not base64
            verified = False
        if not verified:
            raise NotificationRefused("signature does not verify")
        if data.get("app_id") != self.merchant_id:
            raise NotificationRefused(f"app_id is {data.get('app_id')}, ours is {self.merchant_id}")
        for name in ("out_trade_no", "trade_no", "total_amount", "trade_status"):
            if not data.get(name):
                raise NotificationRefused(f"missing {name}")
        try:
            amount_fen = parse_yuan(data["total_amount"])
            paid_at = shanghai_time(data.get("gmt_payment", ""))
        except ValueError as error:
            raise NotificationRefused(f"bad format: {error}") from None
        return NotifiedPayment(
            trade_number=data["out_trade_no"],
            gateway_trade_id=data["trade_no"],
            amount_fen=amount_fen,
            paid=data["trade_status"] in PAID_STATUSES,
            paid_at=paid_at,
            raw=data,
        )

    def answer(self, accepted: bool, reason: str = "") -> NotificationAnswer:
        """Alipay stops sending once the body is the plain text "success"."""
        return NotificationAnswer(200, "success" if accepted else "fail")

    def _call(self, call, *args, **kwargs) -> dict:
        """One signed call through the SDK: the verified answer (whatever its code), or
        GatewayError when there is none to trust."""
        try:
            return call(*args, **kwargs)
        except AliPayValidationError:
            raise GatewayError("Alipay's answer does not verify (bad signature)") from None
        except CALL_ERRORS as error:
            raise GatewayError(f"Alipay: {type(error).__name__}: {error}") from error

    def query(self, trade_number: str) -> TradeState:
        """paid (refunded since included: a trade refunded in full is TRADE_CLOSED with its
        payment date), unpaid, closed, or not_found (the shopper never opened the page)."""
        answer = self._call(self.client.api_alipay_trade_query, out_trade_no=trade_number)
        code = answer.get("code")
        if code == BUSINESS_FAILED and answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return TradeState(trade_number, "not_found", raw=answer)
        if code != SUCCESS:
            raise GatewayError(f"Alipay trade.query: {code} {answer.get('sub_code', '')}")
        status = answer.get("trade_status", "")
        paid_at = shanghai_time(answer.get("send_pay_date", ""))
        if status in PAID_STATUSES or (status == "TRADE_CLOSED" and paid_at):
            state = "paid"
        elif status == "WAIT_BUYER_PAY":
            state = "unpaid"
        elif status == "TRADE_CLOSED":
            state = "closed"
        else:
            raise GatewayError(f"Alipay trade.query: unknown trade_status {status!r}")
        return TradeState(
            trade_number,
            state,
            gateway_trade_id=answer.get("trade_no", ""),
            amount_fen=parse_yuan(answer.get("total_amount") or "0"),
            paid_at=paid_at,
            raw=answer,
        )

    def close(self, trade_number: str) -> bool:
        answer = self._call(self.client.api_alipay_trade_close, out_trade_no=trade_number)
        code, sub_code = answer.get("code"), answer.get("sub_code", "")
        if code == SUCCESS or sub_code == "ACQ.TRADE_NOT_EXIST":
            return True
        if sub_code == "ACQ.TRADE_STATUS_ERROR":  # paid meanwhile
            return False
        raise GatewayError(f"Alipay trade.close: {code} {sub_code}")

    def refund(
        self,
        *,
        trade_number: str,
        refund_number: str,
        amount_fen: int,
        total_fen: int,
        reason: str,
    ) -> RefundState:
        """Alipay refunds at once or refuses. The same out_request_no again answers
        success without moving money again (fund_change "N")."""
        answer = self._call(
            self.client.api_alipay_trade_refund,
            refund_amount=yuan_text(from_fen(amount_fen)),
            out_trade_no=trade_number,
            out_request_no=refund_number,
            refund_reason=reason,
        )
        code, sub_code = answer.get("code"), answer.get("sub_code", "")
        if code == SUCCESS or answer.get("fund_change") == "Y":
            state = "succeeded"
        elif code == BUSINESS_FAILED and sub_code not in RETRIED_REFUND_CODES:
            state = "failed"  # e.g. ACQ.REFUND_AMT_NOT_EQUAL_TOTAL, ACQ.TRADE_STATUS_ERROR
        else:
            raise GatewayError(f"Alipay trade.refund: {code} {sub_code}")
        return RefundState(
            refund_number,
            state,
            gateway_refund_id=answer.get("trade_no", ""),
            amount_fen=amount_fen,
            raw=answer,
        )

    def query_refund(self, *, trade_number: str, refund_number: str) -> RefundState:
        """succeeded when Alipay has the refund (refund_status REFUND_SUCCESS, or absent
        with the refund's data, as its documentation says); failed when it has no such
        refund (never made, or refused): nothing was refunded under that number, and
        asking again with it is safe."""
        answer = self._call(
            self.client.api_alipay_trade_fastpay_refund_query,
            refund_number,
            out_trade_no=trade_number,
        )
        code, sub_code = answer.get("code"), answer.get("sub_code", "")
        if code == BUSINESS_FAILED and sub_code == "ACQ.TRADE_NOT_EXIST":
            return RefundState(refund_number, "failed", raw=answer)
        if code != SUCCESS:
            raise GatewayError(f"Alipay fastpay.refund.query: {code} {sub_code}")
        found = bool(answer.get("refund_amount")) and answer.get("refund_status", "") in (
            "",
            "REFUND_SUCCESS",
        )
        return RefundState(
            refund_number,
            "succeeded" if found else "failed",
            gateway_refund_id=answer.get("trade_no", ""),
            amount_fen=parse_yuan(answer["refund_amount"]) if found else 0,
            raw=answer,
        )

    def bill(self, day: date) -> list[BillRow]:
        """The trade bill of `day`: its download address from Alipay, then the zip of
        GBK CSV files; the rows of the 业务明细 file. No bill (isp.bill_not_exist): []."""
        answer = self._call(
            self.client.server_api,
            "alipay.data.dataservice.bill.downloadurl.query",
            {"bill_type": "trade", "bill_date": day.isoformat()},
        )
        if answer.get("sub_code") == "isp.bill_not_exist":
            return []
        if answer.get("code") != SUCCESS or not answer.get("bill_download_url"):
            raise GatewayError(f"Alipay bill: {answer.get('code')} {answer.get('sub_code', '')}")
        try:
            response = requests.get(answer["bill_download_url"], timeout=self.timeout)
            response.raise_for_status()
            return parse_bill(response.content)
        except CALL_ERRORS + (zipfile.BadZipFile, KeyError) as error:
            raise GatewayError(f"Alipay bill: {type(error).__name__}: {error}") from error


def _entry_name(info: zipfile.ZipInfo) -> str:
    """An entry's name: Alipay writes them in GBK without the UTF-8 flag (zipfile then
    reads them as cp437)."""
    if info.flag_bits & 0x800:
        return info.filename
    return info.filename.encode("cp437").decode("gbk", errors="replace")


def parse_bill(content: bytes) -> list[BillRow]:
    """The rows of the 业务明细 CSV in Alipay's bill zip: 交易 as payments, 退款 as
    refunds (their negative amounts made positive)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = {_entry_name(info): info for info in archive.infolist()}
        detail = next(
            (
                info
                for name, info in names.items()
                if BILL_DETAIL in name and BILL_SUMMARY not in name
            ),
            None,
        )
        if detail is None:
            raise KeyError("no 业务明细 file in the bill")
        text = archive.read(detail).decode("gbk")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    rows = []
    for cells in csv.DictReader(lines):
        cells = {(key or "").strip(): (value or "").strip() for key, value in cells.items()}
        kind = cells.get("业务类型")
        if kind not in ("交易", "退款"):
            continue
        amount = cells["订单金额（元）"].lstrip("-")
        rows.append(
            BillRow(
                kind="payment" if kind == "交易" else "refund",
                trade_number=cells["商户订单号"],
                refund_number=cells.get("退款批次号/请求号", "") if kind == "退款" else "",
                gateway_id=cells["支付宝交易号"],
                amount_fen=parse_yuan(amount),
                at=shanghai_time(cells.get("完成时间", "")),
            )
        )
    return rows

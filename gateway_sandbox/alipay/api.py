"""What Alipay's gateway.do answers to each method the store calls, on the sandbox's
trades: the inner object of the answer ({"code": "10000", "msg": "Success", ...}, or
code 40004 "Business Failed" with Alipay's sub_code)."""

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.utils import timezone

from gateway_sandbox import trades
from gateway_sandbox.alipay.signing import app_id
from gateway_sandbox.models import SandboxRefund, SandboxTrade

SHANGHAI = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
ALIPAY = SandboxTrade.Gateway.ALIPAY
PAGE_METHODS = {"alipay.trade.wap.pay": "wap", "alipay.trade.page.pay": "page"}
BILL_METHOD = "alipay.data.dataservice.bill.downloadurl.query"
BUYER_LOGON_ID = "san***@sandbox.example"
# Alipay's sub codes for the sandbox's protocol-neutral refusals (trades.TradeRefused).
SUB_CODES = {
    "not_found": ("ACQ.TRADE_NOT_EXIST", "交易不存在"),
    "paid": ("ACQ.TRADE_STATUS_ERROR", "交易状态不合法"),
    "closed": ("ACQ.TRADE_HAS_CLOSE", "交易已经关闭"),
    "not_paid": ("ACQ.TRADE_STATUS_ERROR", "交易状态不合法"),
    "exceeds": ("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限"),
    "mismatch": ("ACQ.INVALID_PARAMETER", "参数无效"),
}


class Refused(Exception):
    """An answer of code 40004 (Business Failed) or 40002 (Invalid Arguments)."""

    def __init__(self, sub_code: str, sub_msg: str, code: str = "40004"):
        super().__init__(sub_code)
        self.answer = {
            "code": code,
            "msg": "Business Failed" if code == "40004" else "Invalid Arguments",
            "sub_code": sub_code,
            "sub_msg": sub_msg,
        }


def refused(error: trades.TradeRefused) -> Refused:
    return Refused(*SUB_CODES[error.code])


def success(**fields: str) -> dict[str, str]:
    return {"code": "10000", "msg": "Success", **fields}


def yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


def fen_of(text: str) -> int:
    """ "12.30" → 1230; Refused for anything but a positive amount with two decimals."""
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
        raise Refused("isv.invalid-parameter", f"金额无效 (amount): {text!r}", code="40002")
    return int(value * 100)


def beijing(moment: datetime | None) -> str:
    return timezone.localtime(moment, SHANGHAI).strftime(TIME_FORMAT) if moment else ""


def biz_content(params: Mapping[str, str]) -> dict:
    try:
        content = json.loads(params.get("biz_content") or "{}")
    except ValueError:
        content = None
    if not isinstance(content, dict):
        raise Refused("isv.invalid-parameter", "biz_content 无效", code="40002")
    return content


def trade_of(content: dict) -> SandboxTrade:
    """The trade a call names, by out_trade_no or trade_no."""
    if content.get("trade_no"):
        trade = SandboxTrade.objects.filter(
            gateway=ALIPAY, merchant_id=app_id(), gateway_trade_id=content["trade_no"]
        ).first()
        if trade is None:
            raise Refused(*SUB_CODES["not_found"])
        return trade
    try:
        return trades.find_trade(ALIPAY, app_id(), str(content.get("out_trade_no", "")))
    except trades.TradeRefused as error:
        raise refused(error) from None


def trade_status(trade: SandboxTrade) -> str:
    """Alipay's trade_status: a trade past its time_expire, or refunded in full, is
    TRADE_CLOSED."""
    if trade.state == SandboxTrade.State.PAID:
        return "TRADE_CLOSED" if trade.refunded_fen >= trade.amount_fen else "TRADE_SUCCESS"
    if trade.state == SandboxTrade.State.CLOSED or is_expired(trade):
        return "TRADE_CLOSED"
    return "WAIT_BUYER_PAY"


def is_expired(trade: SandboxTrade) -> bool:
    return bool(
        trade.state == SandboxTrade.State.WAITING
        and trade.expires_at
        and timezone.now() > trade.expires_at
    )


def create_page_trade(method: str, params: Mapping[str, str]) -> SandboxTrade:
    """alipay.trade.wap.pay / page.pay, opened by the shopper's browser: the trade."""
    content = biz_content(params)
    for name in ("out_trade_no", "total_amount", "subject"):
        if not content.get(name):
            raise Refused("isv.missing-parameter", f"缺少参数 {name}", code="40002")
    expires_at = None
    if content.get("time_expire"):
        try:
            expires_at = datetime.strptime(content["time_expire"], TIME_FORMAT).replace(
                tzinfo=SHANGHAI
            )
        except ValueError:
            raise Refused("isv.invalid-parameter", "time_expire 无效", code="40002") from None
    try:
        return trades.create_trade(
            gateway=ALIPAY,
            merchant_id=app_id(),
            trade_number=str(content["out_trade_no"]),
            scene=PAGE_METHODS[method],
            subject=str(content["subject"]),
            amount_fen=fen_of(content["total_amount"]),
            notify_url=params.get("notify_url", ""),
            return_url=params.get("return_url", ""),
            expires_at=expires_at,
        )
    except trades.TradeRefused as error:
        raise refused(error) from None


def query(params: Mapping[str, str]) -> dict:
    trade = trade_of(biz_content(params))
    answer = success(
        trade_no=trade.gateway_trade_id,
        out_trade_no=trade.trade_number,
        buyer_logon_id=BUYER_LOGON_ID,
        trade_status=trade_status(trade),
        total_amount=yuan(trade.amount_fen),
    )
    if trade.paid_at:
        paid = yuan(trade.amount_fen)
        answer.update(
            buyer_pay_amount=paid,
            receipt_amount=paid,
            invoice_amount=paid,
            point_amount="0.00",
            send_pay_date=beijing(trade.paid_at),
        )
    return answer


def close(params: Mapping[str, str]) -> dict:
    trade = trade_of(biz_content(params))
    try:
        trades.close(trade)
    except trades.TradeRefused as error:
        raise refused(error) from None
    return success(trade_no=trade.gateway_trade_id, out_trade_no=trade.trade_number)


def refund(params: Mapping[str, str]) -> dict:
    content = biz_content(params)
    trade = trade_of(content)
    refund_number = str(content.get("out_request_no") or trade.trade_number)
    amount_fen = fen_of(content.get("refund_amount", ""))
    # The same out_request_no again answers success, but no money moves (fund_change N).
    again = SandboxRefund.objects.filter(trade=trade, refund_number=refund_number).exists()
    try:
        made = trades.refund(
            trade,
            refund_number=refund_number,
            amount_fen=amount_fen,
            reason=str(content.get("refund_reason", ""))[:80],
        )
    except trades.TradeRefused as error:
        raise refused(error) from None
    trade.refresh_from_db()
    return success(
        trade_no=trade.gateway_trade_id,
        out_trade_no=trade.trade_number,
        buyer_logon_id=BUYER_LOGON_ID,
        fund_change="N" if again else "Y",
        refund_fee=yuan(trade.refunded_fen),
        send_back_fee=yuan(made.amount_fen),
        gmt_refund_pay=beijing(made.created_at),
    )


def refund_query(params: Mapping[str, str]) -> dict:
    """A refund Alipay does not have is a success with no refund in it."""
    content = biz_content(params)
    trade = trade_of(content)
    refund_number = str(content.get("out_request_no", ""))
    made = SandboxRefund.objects.filter(trade=trade, refund_number=refund_number).first()
    if made is None:
        return success(out_trade_no=trade.trade_number, trade_no=trade.gateway_trade_id)
    answer = success(
        trade_no=trade.gateway_trade_id,
        out_trade_no=trade.trade_number,
        out_request_no=refund_number,
        total_amount=yuan(trade.amount_fen),
        refund_amount=yuan(made.amount_fen),
        gmt_refund_pay=beijing(made.created_at),
    )
    if made.state == SandboxRefund.State.SUCCEEDED:
        answer["refund_status"] = "REFUND_SUCCESS"
    return answer


def bill_day(params: Mapping[str, str]) -> date:
    content = biz_content(params)
    if content.get("bill_type") != "trade":
        raise Refused("isv.invalid-bill-type", "账单类型无效", code="40002")
    try:
        day = date.fromisoformat(str(content.get("bill_date", "")))
    except ValueError:
        raise Refused("isv.invalid-bill-date", "账单日期格式不正确", code="40002") from None
    # Alipay's bill of a day comes the next morning; the sandbox's lists today's so far.
    if day > timezone.localdate():
        raise Refused("isp.bill_not_exist", "账单不存在")
    return day


SERVER_METHODS = {
    "alipay.trade.query": query,
    "alipay.trade.close": close,
    "alipay.trade.refund": refund,
    "alipay.trade.fastpay.refund.query": refund_query,
}

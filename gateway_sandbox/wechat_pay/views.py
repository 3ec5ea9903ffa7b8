"""The sandbox's WeChat Pay servers: the API v3 calls the store makes (each request's
signature checked, each answer signed), the bill file, and the pages a shopper sees: the
H5 cashier (a phone's browser) and what WeChat shows after scanning a Native QR code."""

import csv
import gzip
import hashlib
import io
import json
from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from urllib.parse import urlsplit

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from gateway_sandbox import trades
from gateway_sandbox.models import SandboxRefund, SandboxTrade
from gateway_sandbox.trades import TradeRefused
from gateway_sandbox.wechat_pay import protocol
from gateway_sandbox.wechat_pay.protocol import SignatureRefused

GATEWAY = SandboxTrade.Gateway.WECHAT_PAY
BILL_CACHE_PREFIX = "sandbox-wechat-bill:"
BILL_URL_SECONDS = 30  # WeChat's download_url is valid for 30 seconds
BILL_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,"
    "交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,"
    "充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,"
    "费率备注"
).split(",")
BILL_TOTALS_HEADER = (
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
).split(",")


class ApiError(Exception):
    """An error answer of the API: HTTP status, WeChat's code and message."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(code)
        self.status, self.code, self.message = status, code, message


def _signed(status: int, data: dict | None) -> HttpResponse:
    body = b"" if data is None else json.dumps(data, ensure_ascii=False).encode()
    response = HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    for name, value in protocol.signed_headers(body).items():
        response[name] = value
    return response


def _base_path() -> str:
    return reverse("gateway_sandbox:wechat_pay_gateway").rstrip("/")


def _signed_path(request: HttpRequest) -> str:
    """The path as the merchant signed it: what follows the gateway's base URL."""
    return request.get_full_path()[len(_base_path()) :]


def api(view: Callable) -> Callable:
    """An API v3 endpoint: the request's signature checked (401 SIGN_ERROR otherwise),
    the view called with the merchant's mchid and the JSON body, its answer signed."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            mchid = protocol.verify_request(
                request.method,
                _signed_path(request),
                request.headers.get("Authorization", ""),
                request.body,
            )
        except SignatureRefused:
            return _signed(401, {"code": "SIGN_ERROR", "message": "签名错误"})
        try:
            data = json.loads(request.body) if request.body else {}
        except ValueError:
            return _signed(400, {"code": "PARAM_ERROR", "message": "请求体不是JSON"})
        if not isinstance(data, dict):
            return _signed(400, {"code": "PARAM_ERROR", "message": "请求体不是JSON对象"})
        try:
            status, answer = view(request, mchid, data, *args, **kwargs)
        except ApiError as error:
            return _signed(error.status, {"code": error.code, "message": error.message})
        if isinstance(answer, HttpResponse):
            return answer
        return _signed(status, answer)

    return wrapper


def base(request: HttpRequest) -> HttpResponse:
    """The gateway's base URL (the API's paths are below it)."""
    return _signed(404, {"code": "NOT_FOUND", "message": "WeChat Pay sandbox: see /v3/..."})


def _same_merchant(mchid: str, data_mchid: str | None) -> None:
    if data_mchid != mchid:
        raise ApiError(400, "PARAM_ERROR", "mchid与签名的商户号不一致")


def _find_trade(mchid: str, out_trade_no: str) -> SandboxTrade:
    try:
        return trades.find_trade(GATEWAY, mchid, out_trade_no)
    except TradeRefused:
        raise ApiError(404, "ORDER_NOT_EXIST", "订单不存在") from None


def _expires_at(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(400, "PARAM_ERROR", "time_expire格式错误") from None


def _create(request: HttpRequest, mchid: str, data: dict, scene: str) -> SandboxTrade:
    _same_merchant(mchid, data.get("mchid"))
    if data.get("appid") != protocol.keys()["appid"]:
        raise ApiError(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
    amount = data.get("amount") or {}
    total = amount.get("total")
    if not isinstance(total, int) or total <= 0 or amount.get("currency", "CNY") != "CNY":
        raise ApiError(400, "PARAM_ERROR", "amount.total 必须是正整数（分）")
    for name in ("out_trade_no", "description", "notify_url"):
        if not data.get(name):
            raise ApiError(400, "PARAM_ERROR", f"缺少参数 {name}")
    if scene == "h5" and not (data.get("scene_info") or {}).get("h5_info"):
        raise ApiError(400, "PARAM_ERROR", "缺少参数 scene_info.h5_info")
    try:
        trade = trades.create_trade(
            gateway=GATEWAY,
            merchant_id=mchid,
            trade_number=data["out_trade_no"],
            scene=scene,
            subject=data["description"],
            amount_fen=total,
            notify_url=data["notify_url"],
            expires_at=_expires_at(data.get("time_expire")),
        )
    except TradeRefused:
        raise ApiError(400, "INVALID_REQUEST", "订单号重复，金额不一致") from None
    if trade.state == SandboxTrade.State.PAID:
        raise ApiError(400, "ORDERPAID", "该订单已支付")
    if trade.state == SandboxTrade.State.CLOSED:
        raise ApiError(400, "ORDER_CLOSED", "该订单已关闭")
    return trade


@require_http_methods(["POST"])
@api
def create_h5(request: HttpRequest, mchid: str, data: dict) -> tuple[int, dict]:
    trade = _create(request, mchid, data, "h5")
    page = reverse("gateway_sandbox:wechat_h5", args=[trade.token])
    return 200, {"h5_url": request.build_absolute_uri(page) + f"?prepay_id=wx{trade.token}"}


@require_http_methods(["POST"])
@api
def create_native(request: HttpRequest, mchid: str, data: dict) -> tuple[int, dict]:
    trade = _create(request, mchid, data, "native")
    page = reverse("gateway_sandbox:wechat_scan", args=[trade.token])
    return 200, {"code_url": request.build_absolute_uri(page)}


@require_http_methods(["GET"])
@api
def query(request: HttpRequest, mchid: str, data: dict, number: str) -> tuple[int, dict]:
    """The trade of out_trade_no `number`."""
    _same_merchant(mchid, request.GET.get("mchid"))
    return 200, protocol.transaction(_find_trade(mchid, number))


@require_http_methods(["POST"])
@api
def close(request: HttpRequest, mchid: str, data: dict, number: str) -> tuple[int, None]:
    """Close the unpaid trade of out_trade_no `number` (204); a paid one: ORDERPAID."""
    _same_merchant(mchid, data.get("mchid"))
    trade = _find_trade(mchid, number)
    try:
        trades.close(trade)
    except TradeRefused:
        raise ApiError(400, "ORDERPAID", "订单已支付") from None
    return 204, None


def _refund_answer(refund: SandboxRefund) -> dict:
    trade = refund.trade
    return {
        "refund_id": refund.gateway_refund_id,
        "out_refund_no": refund.refund_number,
        "transaction_id": trade.gateway_trade_id,
        "out_trade_no": trade.trade_number,
        "channel": "ORIGINAL",
        "user_received_account": "支付用户零钱",
        "success_time": protocol.rfc3339(refund.created_at),
        "create_time": protocol.rfc3339(refund.created_at),
        "status": "SUCCESS" if refund.state == SandboxRefund.State.SUCCEEDED else "PROCESSING",
        "funds_account": "AVAILABLE",
        "amount": {
            "total": trade.amount_fen,
            "refund": refund.amount_fen,
            "payer_total": trade.amount_fen,
            "payer_refund": refund.amount_fen,
            "settlement_total": trade.amount_fen,
            "settlement_refund": refund.amount_fen,
            "discount_refund": 0,
            "currency": "CNY",
        },
    }


REFUND_REFUSALS = {
    "not_paid": (400, "INVALID_REQUEST", "订单未支付，不能退款"),
    "exceeds": (400, "INVALID_REQUEST", "申请退款金额超过订单可退金额"),
    "mismatch": (400, "INVALID_REQUEST", "退款单号已存在，金额不一致"),
}


@require_http_methods(["POST"])
@api
def refund(request: HttpRequest, mchid: str, data: dict) -> tuple[int, dict]:
    amount = data.get("amount") or {}
    if not data.get("out_refund_no") or not isinstance(amount.get("refund"), int):
        raise ApiError(400, "PARAM_ERROR", "缺少参数 out_refund_no 或 amount.refund")
    if data.get("transaction_id"):
        trade = SandboxTrade.objects.filter(
            gateway=GATEWAY, merchant_id=mchid, gateway_trade_id=data["transaction_id"]
        ).first()
        if trade is None:
            raise ApiError(404, "RESOURCE_NOT_EXISTS", "订单不存在")
    else:
        try:
            trade = trades.find_trade(GATEWAY, mchid, data.get("out_trade_no") or "")
        except TradeRefused:
            raise ApiError(404, "RESOURCE_NOT_EXISTS", "订单不存在") from None
    if amount.get("total") != trade.amount_fen:
        raise ApiError(400, "PARAM_ERROR", "订单金额与原订单不一致")
    try:
        made = trades.refund(
            trade,
            refund_number=data["out_refund_no"],
            amount_fen=amount["refund"],
            reason=(data.get("reason") or "")[:80],
        )
    except TradeRefused as refused:
        raise ApiError(*REFUND_REFUSALS[refused.code]) from None
    return 200, _refund_answer(made)


@require_http_methods(["GET"])
@api
def query_refund(request: HttpRequest, mchid: str, data: dict, number: str) -> tuple[int, dict]:
    """The refund of out_refund_no `number`."""
    found = (
        SandboxRefund.objects.filter(
            trade__gateway=GATEWAY, trade__merchant_id=mchid, refund_number=number
        )
        .select_related("trade")
        .first()
    )
    if found is None:
        raise ApiError(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
    return 200, _refund_answer(found)


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def bill_csv(mchid: str, day: date) -> str:
    """WeChat's trade bill of `day`: every value after a backtick, then the totals."""
    appid = protocol.keys()["appid"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(BILL_HEADER)
    paid = refunded = count = 0
    for line in trades.bill(GATEWAY, mchid, day):
        trade, made = line.trade, line.refund
        is_refund = line.kind == "refund"
        count += 1
        if is_refund:
            refunded += line.amount_fen
        else:
            paid += line.amount_fen
        values = [
            timezone.localtime(line.at).strftime("%Y-%m-%d %H:%M:%S"),
            appid,
            mchid,
            "0",
            "",
            trade.gateway_trade_id,
            trade.trade_number,
            "o" + trade.token[:27],
            "MWEB" if trade.scene == "h5" else "NATIVE",
            "REFUND" if is_refund else "SUCCESS",
            "OTHERS",
            "CNY",
            _yuan(0 if is_refund else trade.amount_fen),
            "0.00",
            made.gateway_refund_id if made else "0",
            made.refund_number if made else "0",
            _yuan(made.amount_fen if made else 0),
            "0.00",
            "ORIGINAL" if is_refund else "",
            "SUCCESS" if is_refund else "",
            trade.subject,
            "",
            "0.00",
            "0.60%",
            _yuan(trade.amount_fen),
            _yuan(made.amount_fen if made else 0),
            "",
        ]
        writer.writerow(["`" + value for value in values])
    writer.writerow(BILL_TOTALS_HEADER)
    totals = [
        str(count),
        _yuan(paid),
        _yuan(refunded),
        "0.00",
        "0.00",
        _yuan(paid),
        _yuan(refunded),
    ]
    writer.writerow(["`" + value for value in totals])
    return out.getvalue()


@require_http_methods(["GET"])
@api
def trade_bill(request: HttpRequest, mchid: str, data: dict) -> tuple[int, dict]:
    try:
        day = date.fromisoformat(request.GET.get("bill_date", ""))
    except ValueError:
        raise ApiError(400, "PARAM_ERROR", "bill_date格式错误") from None
    tar_type = request.GET.get("tar_type") or ""
    if tar_type not in ("", "GZIP"):
        raise ApiError(400, "PARAM_ERROR", "tar_type 只能是 GZIP")
    content = bill_csv(mchid, day).encode("utf-8")
    token = SandboxTrade._meta.get_field("token").default()
    stored = gzip.compress(content) if tar_type == "GZIP" else content
    cache.set(BILL_CACHE_PREFIX + token, {"mchid": mchid, "file": stored}, BILL_URL_SECONDS)
    download = reverse("gateway_sandbox:wechat_bill_download") + f"?token={token}"
    return 200, {
        "hash_type": "SHA1",
        "hash_value": hashlib.sha1(content).hexdigest(),
        "download_url": request.build_absolute_uri(download),
    }


@require_http_methods(["GET"])
@api
def download_bill(request: HttpRequest, mchid: str, data: dict) -> tuple[int, HttpResponse]:
    """The bill file, once (its URL's token is then spent); WeChat does not sign it."""
    key = BILL_CACHE_PREFIX + request.GET.get("token", "")
    stored = cache.get(key)
    cache.delete(key)
    if not stored or stored["mchid"] != mchid:
        raise ApiError(400, "INVALID_REQUEST", "下载链接已失效")
    return 200, HttpResponse(stored["file"], content_type="application/octet-stream")


def _cashier_trade(token: str, scene: str) -> SandboxTrade:
    return get_object_or_404(SandboxTrade, gateway=GATEWAY, token=token, scene=scene)


def _is_closed(trade: SandboxTrade) -> bool:
    if trade.state == SandboxTrade.State.CLOSED:
        return True
    expired = trade.expires_at is not None and timezone.now() > trade.expires_at
    return trade.state == SandboxTrade.State.WAITING and expired


def _page(request: HttpRequest, template: str, trade: SandboxTrade, **extra) -> HttpResponse:
    context = {
        "trade": trade,
        "amount_yuan": _yuan(trade.amount_fen),
        "paid": trade.state == SandboxTrade.State.PAID,
        "closed": _is_closed(trade),
        **extra,
    }
    return render(request, template, context)


def _pay(trade: SandboxTrade) -> SandboxTrade:
    try:
        return trades.pay(trade)
    except TradeRefused:
        trade.refresh_from_db()
        return trade


def _safe_redirect(request: HttpRequest, trade: SandboxTrade) -> str:
    """The redirect_url the merchant appended to h5_url, if it points back to it."""
    url = request.GET.get("redirect_url", "")
    allowed = {request.get_host(), urlsplit(trade.notify_url).netloc}
    return url if url and url_has_allowed_host_and_scheme(url, allowed_hosts=allowed) else ""


@require_http_methods(["GET", "POST"])
def h5_cashier(request: HttpRequest, token: str) -> HttpResponse:
    """WeChat's H5 cashier in a phone's browser: Pay, then back to the merchant."""
    trade = _cashier_trade(token, "h5")
    back = _safe_redirect(request, trade)
    if request.method == "POST":
        if request.POST.get("action") == "pay" and not _is_closed(trade):
            trade = _pay(trade)
        elif request.POST.get("action") == "cancel" and back:
            return HttpResponseRedirect(back)
        if back and trade.state == SandboxTrade.State.PAID:
            return HttpResponseRedirect(back)
        cancelled = request.POST.get("action") == "cancel"
        return _page(request, "gateway_sandbox/wechat_h5.html", trade, cancelled=cancelled)
    return _page(request, "gateway_sandbox/wechat_h5.html", trade, back=back)


@require_http_methods(["GET", "POST"])
def scan_page(request: HttpRequest, token: str) -> HttpResponse:
    """What WeChat shows on the phone that scanned a Native QR code."""
    trade = _cashier_trade(token, "native")
    cancelled = False
    if request.method == "POST":
        if request.POST.get("action") == "pay" and not _is_closed(trade):
            trade = _pay(trade)
        cancelled = request.POST.get("action") == "cancel"
    return _page(request, "gateway_sandbox/wechat_scan.html", trade, cancelled=cancelled)

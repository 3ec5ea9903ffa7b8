"""The sandbox's Alipay, over HTTP: gateway.do (the store's signed calls, and the
shopper's browser opening a wap or page payment), the cashier page where the shopper
pays or cancels, and the bill downloads."""

from urllib.parse import urlencode

from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from gateway_sandbox import trades
from gateway_sandbox.alipay import api
from gateway_sandbox.alipay.bill import bill_of_token, bill_token, bill_zip
from gateway_sandbox.alipay.signing import app_id, sign_params, signed_answer_text, verify_request
from gateway_sandbox.models import SandboxTrade


def _checked(params: dict[str, str]) -> None:
    """Alipay's first checks of any call: our app, RSA2, the merchant's signature."""
    if params.get("app_id") != app_id():
        raise api.Refused("isv.invalid-app-id", "无效的AppID参数", code="40002")
    if params.get("sign_type") != "RSA2":
        raise api.Refused("isv.invalid-signature-type", "无效的签名类型", code="40002")
    if not verify_request(params):
        raise api.Refused("isv.invalid-signature", "验签出错", code="40002")


@csrf_exempt  # the merchant's server and the shopper's browser call it, signed, not a form
@require_http_methods(["GET", "POST"])
def gateway(request: HttpRequest) -> HttpResponse:
    params = {**request.GET.dict(), **request.POST.dict()}
    method = params.get("method", "")
    try:
        _checked(params)
        if method in api.PAGE_METHODS:
            trade = api.create_page_trade(method, params)
            return redirect("gateway_sandbox:alipay_cashier", token=trade.token)
        if method == api.BILL_METHOD:
            day = api.bill_day(params)
            path = reverse("gateway_sandbox:alipay_bill", args=[bill_token(app_id(), day)])
            answer = api.success(bill_download_url=request.build_absolute_uri(path))
        elif method in api.SERVER_METHODS:
            answer = api.SERVER_METHODS[method](params)
        else:
            method = "error"
            raise api.Refused("isv.invalid-method", "不存在的方法名", code="40002")
    except api.Refused as error:
        if method in api.PAGE_METHODS:  # a browser: Alipay's error page
            return render(
                request, "gateway_sandbox/alipay_error.html", {"error": error.answer}, status=400
            )
        answer = error.answer
    return HttpResponse(
        signed_answer_text(method, answer), content_type="application/json; charset=utf-8"
    )


def _return_url(trade: SandboxTrade) -> str:
    """The merchant's return_url with Alipay's synchronous return parameters, signed."""
    params = sign_params(
        {
            "charset": "utf-8",
            "out_trade_no": trade.trade_number,
            "method": f"alipay.trade.{trade.scene}.pay.return",
            "total_amount": api.yuan(trade.amount_fen),
            "trade_no": trade.gateway_trade_id,
            "auth_app_id": trade.merchant_id,
            "version": "1.0",
            "app_id": trade.merchant_id,
            "sign_type": "RSA2",
            "seller_id": "2088" + trade.merchant_id[-12:],
            "timestamp": api.beijing(timezone.now()),
        }
    )
    joiner = "&" if "?" in trade.return_url else "?"
    return trade.return_url + joiner + urlencode(params)


@require_http_methods(["GET", "POST"])
def cashier(request: HttpRequest, token: str) -> HttpResponse:
    """The payment page: Pay (确认付款) pays the trade and returns the shopper to the
    merchant with the signed return; Cancel (取消) returns them without paying."""
    trade = get_object_or_404(SandboxTrade, token=token, gateway=SandboxTrade.Gateway.ALIPAY)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "cancel" and trade.return_url:
            return HttpResponseRedirect(trade.return_url)
        if action == "pay":
            try:
                trade = trades.pay(trade)
            except trades.TradeRefused:
                status = 409
            else:
                if trade.return_url:
                    return HttpResponseRedirect(_return_url(trade))
        trade.refresh_from_db()
    state = api.trade_status(trade)
    context = {
        "trade": trade,
        "amount": api.yuan(trade.amount_fen),
        "closed": state == "TRADE_CLOSED" and trade.paid_at is None,
        "paid": trade.paid_at is not None,
    }
    return render(request, "gateway_sandbox/alipay_cashier.html", context, status=status)


@require_http_methods(["GET"])
def bill_download(request: HttpRequest, token: str) -> HttpResponse:
    try:
        merchant_id, day = bill_of_token(token)
    except signing.BadSignature:
        raise Http404("no such bill, or its link expired") from None
    response = HttpResponse(bill_zip(merchant_id, day), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{merchant_id}_{day:%Y%m%d}.zip"'
    return response

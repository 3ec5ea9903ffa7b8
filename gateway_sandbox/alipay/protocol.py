"""How the sandbox's Alipay sends the asynchronous notification of a paid trade: a form
POST of trade_status_sync, signed RSA2 with Alipay's private key; the store has it when
it answers the plain text "success". Alipay tries again after 4m, 10m, 10m, 1h, 2h, 6h, 15h."""

import secrets
from urllib.parse import urlencode

from django.utils import timezone

from gateway_sandbox.alipay.api import beijing, yuan
from gateway_sandbox.alipay.signing import sign_params
from gateway_sandbox.models import SandboxTrade
from gateway_sandbox.protocols import GatewayProtocol, register

RETRY_AFTER = (240, 600, 600, 3600, 7200, 21600, 54000)


def notification(trade: SandboxTrade) -> tuple[dict[str, str], bytes]:
    """(headers, body) of the notification that `trade` is paid."""
    paid = yuan(trade.amount_fen)
    params = sign_params(
        {
            "notify_time": beijing(timezone.now()),
            "notify_type": "trade_status_sync",
            "notify_id": secrets.token_hex(16),
            "app_id": trade.merchant_id,
            "charset": "utf-8",
            "version": "1.0",
            "sign_type": "RSA2",
            "trade_no": trade.gateway_trade_id,
            "out_trade_no": trade.trade_number,
            "trade_status": "TRADE_SUCCESS",
            "total_amount": paid,
            "receipt_amount": paid,
            "buyer_pay_amount": paid,
            "gmt_create": beijing(trade.created_at),
            "gmt_payment": beijing(trade.paid_at),
            "subject": trade.subject,
        }
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    return headers, urlencode(params).encode("utf-8")


def acknowledged(status: int, body: str) -> bool:
    return body.strip() == "success"


def register_protocol() -> None:
    register(
        GatewayProtocol(
            gateway=SandboxTrade.Gateway.ALIPAY,
            notification=notification,
            acknowledged=acknowledged,
            retry_after=RETRY_AFTER,
        )
    )

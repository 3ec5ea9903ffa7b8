"""What every online gateway does, behind one small interface.

Each gateway is one class (payments/gateways/alipay.py, wechat_pay.py) that speaks its
protocol through the maintained SDK. The store's code never asks which gateway it has;
amounts cross this boundary in integer fen. Calls that go over the network raise
GatewayError when the gateway cannot be reached or answers with an error (the caller
tries again later); a notification that fails a check raises NotificationRefused.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal


class GatewayError(Exception):
    """The gateway could not be reached, or refused the call; try again later."""


class NotificationRefused(Exception):
    """A notification failed a check (signature, merchant id, decryption, format);
    `reason` says which, for the log. Nothing may change."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class StartedPayment:
    """Where the shopper goes to pay: the gateway's page (redirect_url), or, for a
    desktop WeChat Native payment, the code a QR image carries (qr_text)."""

    redirect_url: str = ""
    qr_text: str = ""


@dataclass(frozen=True)
class NotifiedPayment:
    """A notification whose signature and merchant id the gateway checked (and, for
    WeChat Pay, whose resource it decrypted). The store checks the rest: the trade
    number is one of its payments through this gateway, and the amount equals it."""

    trade_number: str  # our out_trade_no
    gateway_trade_id: str  # Alipay trade_no, WeChat Pay transaction_id
    amount_fen: int  # what the shopper paid (Alipay total_amount, WeChat amount.total)
    paid: bool  # TRADE_SUCCESS / TRADE_FINISHED; SUCCESS
    paid_at: datetime | None
    raw: dict = field(default_factory=dict)  # the message as verified (decrypted)


@dataclass(frozen=True)
class NotificationAnswer:
    """What the gateway expects back: Alipay "success" / "fail" in plain text, WeChat Pay
    204 or a 4xx/5xx with {"code": "FAIL", "message": ...}."""

    status: int
    body: str = ""
    content_type: str = "text/plain; charset=utf-8"


TradeStateName = Literal["paid", "unpaid", "closed", "not_found"]


@dataclass(frozen=True)
class TradeState:
    """A query's answer about one of our trades. `paid` includes one refunded since."""

    trade_number: str
    state: TradeStateName
    gateway_trade_id: str = ""
    amount_fen: int = 0
    paid_at: datetime | None = None
    raw: dict = field(default_factory=dict)


RefundStateName = Literal["succeeded", "pending", "failed"]


@dataclass(frozen=True)
class RefundState:
    """A refund's answer, asking for one or asking about one."""

    refund_number: str
    state: RefundStateName
    gateway_refund_id: str = ""
    amount_fen: int = 0
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class BillRow:
    """One line of the gateway's bill of a day: a payment or a refund."""

    kind: Literal["payment", "refund"]
    trade_number: str  # our out_trade_no
    refund_number: str  # our refund number ("" for a payment)
    gateway_id: str  # the gateway's trade id (payment) or refund id
    amount_fen: int
    at: datetime | None = None


Device = Literal["phone", "desktop"]


class Gateway:
    """One online gateway. Constructed from settings (payments/gateways/__init__.py)."""

    code: str = ""  # payments.models.Gateway value
    merchant_id: str = ""  # Alipay app_id, WeChat Pay mchid

    def scene_for(self, device: Device) -> str:
        """The Payment.Scene used on this device (wap/page, H5/Native)."""
        raise NotImplementedError

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
        """Create the trade at the gateway (or sign the page request that creates it)."""
        raise NotImplementedError

    def verify_notification(
        self, *, headers: Mapping[str, str], body: bytes, form: Mapping[str, str]
    ) -> NotifiedPayment:
        """Check a notify_url request: signature with the gateway's public key, our
        merchant id, (WeChat Pay) decrypt the resource with the API v3 key. `headers`
        are request.headers, `body` the raw body, `form` request.POST (Alipay posts a
        form). Raises NotificationRefused."""
        raise NotImplementedError

    def answer(self, accepted: bool, reason: str = "") -> NotificationAnswer:
        """The reply to a notification: accepted (it is taken, or was already) or not
        (the gateway sends it again later)."""
        raise NotImplementedError

    def query(self, trade_number: str) -> TradeState:
        raise NotImplementedError

    def close(self, trade_number: str) -> bool:
        """Close an unpaid trade so that it can no longer be paid. True: closed (or never
        created at the gateway); False: it was paid meanwhile (query it)."""
        raise NotImplementedError

    def refund(
        self,
        *,
        trade_number: str,
        refund_number: str,
        amount_fen: int,
        total_fen: int,
        reason: str,
    ) -> RefundState:
        """Ask for a refund; the same refund_number again refunds once."""
        raise NotImplementedError

    def query_refund(self, *, trade_number: str, refund_number: str) -> RefundState:
        raise NotImplementedError

    def bill(self, day: date) -> list[BillRow]:
        """The gateway's bill of `day` (Asia/Shanghai): every payment and refund."""
        raise NotImplementedError

"""Each gateway protocol the sandbox speaks (gateway_sandbox/alipay.py, wechat_pay.py)
registers what the generic parts need of it: how its asynchronous notification of a
paid trade is signed and sent, and what answer from the store means "received"."""

from dataclasses import dataclass
from typing import Protocol as TypingProtocol

from gateway_sandbox.models import SandboxTrade


class Notifier(TypingProtocol):
    def __call__(self, trade: SandboxTrade) -> tuple[dict[str, str], bytes]: ...


class Acknowledged(TypingProtocol):
    def __call__(self, status: int, body: str) -> bool: ...


@dataclass(frozen=True)
class GatewayProtocol:
    gateway: str  # SandboxTrade.Gateway value
    # (headers, body) of the notification that tells the store the trade is paid.
    notification: Notifier
    # Did the store take it? (Alipay: the body "success"; WeChat Pay: 200 or 204.)
    acknowledged: Acknowledged
    # Seconds to wait before each next attempt, as the real gateway retries.
    retry_after: tuple[int, ...]


_protocols: dict[str, GatewayProtocol] = {}


def register(protocol: GatewayProtocol) -> None:
    _protocols[protocol.gateway] = protocol


def protocol_for(gateway: str) -> GatewayProtocol:
    return _protocols[gateway]

"""The configured gateways, built from settings: the real ones from their keys in the
environment, or, with PAYMENT_SANDBOX, the same classes pointed at the sandbox the store
serves, with the sandbox's generated keys. A gateway with no keys is not offered."""

import textwrap

from django.conf import settings
from django.urls import reverse

from gateway_sandbox.keys import sandbox_keys
from payments.gateways.alipay import AlipayGateway
from payments.gateways.base import Gateway, GatewayError, NotificationRefused
from payments.gateways.wechat_pay import WechatPayGateway
from payments.models import Gateway as GatewayCode

__all__ = [
    "ONLINE_METHODS",
    "Gateway",
    "GatewayError",
    "NotificationRefused",
    "configured",
    "gateway_for",
]

# The orders' payment methods that are gateways (their codes are the gateways').
ONLINE_METHODS = (GatewayCode.ALIPAY, GatewayCode.WECHAT_PAY)

_configured: dict[str, Gateway] | None = None


def notify_url(code: str) -> str:
    return settings.SITE_URL + reverse("payments:notify", args=[code])


def _pem(text: str, label: str) -> str:
    """A key as the console gives it (the bare base64 Alipay's shows) in PEM; PEM as is."""
    text = text.strip()
    if text.startswith("-----") or not text:
        return text
    body = "\n".join(textwrap.wrap("".join(text.split()), 64))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"


def _alipay() -> AlipayGateway | None:
    if settings.ALIPAY_APP_ID:
        return AlipayGateway(
            app_id=settings.ALIPAY_APP_ID,
            app_private_key=_pem(settings.ALIPAY_APP_PRIVATE_KEY, "PRIVATE KEY"),
            alipay_public_key=_pem(settings.ALIPAY_PUBLIC_KEY, "PUBLIC KEY"),
            gateway_url=settings.ALIPAY_GATEWAY_URL or AlipayGateway.PRODUCTION_URL,
            notify_url=notify_url(GatewayCode.ALIPAY),
        )
    if settings.PAYMENT_SANDBOX:
        keys = sandbox_keys(GatewayCode.ALIPAY)
        return AlipayGateway(
            app_id=keys["app_id"],
            app_private_key=keys["merchant_private_key"],
            alipay_public_key=keys["gateway_public_key"],
            gateway_url=settings.SITE_URL + reverse("gateway_sandbox:alipay_gateway"),
            notify_url=notify_url(GatewayCode.ALIPAY),
        )
    return None


def _wechat_pay() -> WechatPayGateway | None:
    if settings.WECHAT_PAY_MCHID:
        return WechatPayGateway(
            mchid=settings.WECHAT_PAY_MCHID,
            appid=settings.WECHAT_PAY_APPID,
            private_key=settings.WECHAT_PAY_PRIVATE_KEY,
            cert_serial_no=settings.WECHAT_PAY_CERT_SERIAL_NO,
            apiv3_key=settings.WECHAT_PAY_APIV3_KEY,
            public_key=settings.WECHAT_PAY_PUBLIC_KEY,
            public_key_id=settings.WECHAT_PAY_PUBLIC_KEY_ID,
            gateway_url=settings.WECHAT_PAY_GATEWAY_URL or WechatPayGateway.PRODUCTION_URL,
            notify_url=notify_url(GatewayCode.WECHAT_PAY),
        )
    if settings.PAYMENT_SANDBOX:
        keys = sandbox_keys(GatewayCode.WECHAT_PAY)
        return WechatPayGateway(
            mchid=keys["mchid"],
            appid=keys["appid"],
            private_key=keys["merchant_private_key"],
            cert_serial_no=keys["cert_serial_no"],
            apiv3_key=keys["apiv3_key"],
            public_key=keys["gateway_public_key"],
            public_key_id=keys["public_key_id"],
            gateway_url=settings.SITE_URL + reverse("gateway_sandbox:wechat_pay_gateway"),
            notify_url=notify_url(GatewayCode.WECHAT_PAY),
        )
    return None


def configured() -> dict[str, Gateway]:
    """{code: gateway} of those with keys (built once per process and settings)."""
    global _configured
    if _configured is None:
        built = {GatewayCode.ALIPAY: _alipay(), GatewayCode.WECHAT_PAY: _wechat_pay()}
        _configured = {code: gateway for code, gateway in built.items() if gateway}
    return _configured


def gateway_for(code: str) -> Gateway:
    """The configured gateway of `code`; KeyError when it is not configured."""
    return configured()[code]


def forget_configured(**kwargs) -> None:
    """setting_changed: a test's override_settings (SITE_URL, keys) builds them again."""
    global _configured
    _configured = None

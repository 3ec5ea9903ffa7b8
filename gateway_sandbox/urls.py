"""Mounted at /sandbox-gateway/ only when PAYMENT_SANDBOX is on (hubei_market/urls.py)."""

from django.urls import include, path

app_name = "gateway_sandbox"

urlpatterns = [
    path("alipay/", include("gateway_sandbox.alipay.urls")),
    path("wechat/", include("gateway_sandbox.wechat_pay.urls")),
]

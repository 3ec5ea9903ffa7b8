"""The sandbox's Alipay: its gateway.do, its cashier page and its bill downloads (names in
the "gateway_sandbox" namespace of gateway_sandbox/urls.py)."""

from django.urls import path

from gateway_sandbox.alipay import views

urlpatterns = [
    path("gateway.do", views.gateway, name="alipay_gateway"),
    path("cashier/<str:token>/", views.cashier, name="alipay_cashier"),
    path("bill/<str:token>.zip", views.bill_download, name="alipay_bill"),
]

"""WeChat Pay's servers, under /sandbox-gateway/wechat/ (gateway_sandbox/urls.py): the
base URL the store's gateway is pointed at, the API v3 paths below it, and the pages."""

from django.urls import path

from gateway_sandbox.wechat_pay import views

urlpatterns = [
    path("", views.base, name="wechat_pay_gateway"),
    path("v3/pay/transactions/h5", views.create_h5, name="wechat_create_h5"),
    path("v3/pay/transactions/native", views.create_native, name="wechat_create_native"),
    path(
        "v3/pay/transactions/out-trade-no/<str:number>",
        views.query,
        name="wechat_query",
    ),
    path(
        "v3/pay/transactions/out-trade-no/<str:number>/close",
        views.close,
        name="wechat_close",
    ),
    path("v3/refund/domestic/refunds", views.refund, name="wechat_refund"),
    path(
        "v3/refund/domestic/refunds/<str:number>",
        views.query_refund,
        name="wechat_query_refund",
    ),
    path("v3/bill/tradebill", views.trade_bill, name="wechat_trade_bill"),
    path("v3/billdownload/file", views.download_bill, name="wechat_bill_download"),
    path("h5/<str:token>/", views.h5_cashier, name="wechat_h5"),
    path("scan/<str:token>/", views.scan_page, name="wechat_scan"),
]

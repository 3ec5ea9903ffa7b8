"""/vendor/: the vendor dashboard, catalog, orders, after-sales, reviews and funds sides
mounted together."""

from django.urls import path

from aftersales import vendor_views as aftersales_views
from catalog.vendor import views as catalog_views
from orders import vendor_views as orders_views
from orders.shipping import vendor_views as shipping_views
from reviews import vendor_views as reviews_views
from settlement import vendor_views as settlement_views

app_name = "vendor"
urlpatterns = [
    path("", orders_views.home, name="home"),
    path("apply/", catalog_views.apply, name="apply"),
    path("switch/", catalog_views.switch_shop, name="switch_shop"),
    path("team/", catalog_views.members, name="members"),
    path("team/<int:member_id>/remove/", catalog_views.member_remove, name="member_remove"),
    path("products/", catalog_views.product_list, name="products"),
    path("products/new/", catalog_views.product_create, name="product_create"),
    path("products/export.csv", catalog_views.product_export, name="product_export"),
    path("products/import/", catalog_views.product_import, name="product_import"),
    path("products/<int:product_id>/", catalog_views.product_edit, name="product_edit"),
    path("products/<int:product_id>/status/", catalog_views.product_status, name="product_status"),
    path("products/<int:product_id>/stock/", catalog_views.product_stock, name="product_stock"),
    path("products/<int:product_id>/delete/", catalog_views.product_delete, name="product_delete"),
    path(
        "products/<int:product_id>/photos/<int:photo_id>/delete/",
        catalog_views.photo_delete,
        name="photo_delete",
    ),
    path("orders/", orders_views.part_list, name="orders"),
    path("orders/<int:part_id>/", orders_views.part_detail, name="order"),
    path("orders/<int:part_id>/ship/", orders_views.part_ship, name="order_ship"),
    path("orders/<int:part_id>/cancel/", orders_views.part_cancel, name="order_cancel"),
    path("aftersales/", aftersales_views.request_list, name="aftersales"),
    path("aftersales/<str:number>/", aftersales_views.request_detail, name="aftersales_detail"),
    path(
        "aftersales/<str:number>/<slug:step>/",
        aftersales_views.request_step,
        name="aftersales_step",
    ),
    path("reviews/", reviews_views.review_list, name="reviews"),
    path("reviews/<int:review_id>/reply/", reviews_views.review_reply, name="review_reply"),
    path("shipping/", shipping_views.template_list, name="shipping"),
    path("shipping/new/", shipping_views.template_create, name="shipping_create"),
    path("shipping/<int:template_id>/", shipping_views.template_edit, name="shipping_edit"),
    path(
        "shipping/<int:template_id>/delete/",
        shipping_views.template_delete,
        name="shipping_delete",
    ),
    path(
        "shipping/<int:template_id>/default/",
        shipping_views.template_default,
        name="shipping_default",
    ),
    path(
        "shipping/<int:template_id>/preview/",
        shipping_views.template_preview,
        name="shipping_preview",
    ),
    path("funds/", settlement_views.funds, name="funds"),
    path("funds/statement/", settlement_views.funds_statement, name="funds_statement"),
    path(
        "funds/statement.csv",
        settlement_views.funds_statement_csv,
        name="funds_statement_csv",
    ),
    path(
        "funds/statement.xlsx",
        settlement_views.funds_statement_xlsx,
        name="funds_statement_xlsx",
    ),
    path("funds/bank/", settlement_views.funds_bank, name="funds_bank"),
    path("funds/payouts/", settlement_views.funds_payouts, name="funds_payouts"),
]

from django.urls import path

from orders import account_views, checkout_views, delivery_views, views
from orders.impact import views as impact_views
from orders.shipping import views as shipping_views

app_name = "orders"

urlpatterns = [
    path("cart/", views.cart_detail, name="cart"),
    path("cart/summary/", views.cart_summary, name="cart_summary"),
    path("cart/add/<int:product_id>/", views.cart_add, name="cart_add"),
    path("cart/items/<int:product_id>/", views.cart_update, name="cart_update"),
    path(
        "shipping/products/<int:product_id>/",
        shipping_views.shipping_line,
        name="shipping_line",
    ),
    path("shipping/ship-to/", shipping_views.ship_to, name="ship_to"),
    path("checkout/", checkout_views.checkout, name="checkout"),
    path("buy-now/<int:product_id>/", views.buy_now, name="buy_now"),
    path("checkout/now/<slug:token>/", checkout_views.buy_now_checkout, name="buy_now_checkout"),
    path("orders/", checkout_views.order_history, name="history"),
    path("orders/<str:number>/", checkout_views.order_detail, name="detail"),
    path("orders/<str:number>/cancel/", checkout_views.order_cancel, name="cancel"),
    path(
        "orders/<str:number>/parts/<int:part_id>/receive/",
        delivery_views.part_receive,
        name="part_receive",
    ),
    path("impact/", impact_views.board, name="impact"),
    path("accounts/sign-up/", account_views.sign_up, name="sign_up"),
    path("accounts/addresses/", account_views.address_list, name="addresses"),
    path("accounts/addresses/new/", account_views.address_edit, name="address_add"),
    path("accounts/addresses/regions/", account_views.address_regions, name="address_regions"),
    path("accounts/addresses/<int:pk>/", account_views.address_edit, name="address_edit"),
    path(
        "accounts/addresses/<int:pk>/delete/", account_views.address_delete, name="address_delete"
    ),
]

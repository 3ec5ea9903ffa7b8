from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("pay/<str:number>/", views.cashier, name="cashier"),
    path("pay/<str:number>/return/", views.payment_return, name="return"),
    path("pay/<str:number>/qr/", views.qr, name="qr"),
    path("pay/<str:number>/qr.svg", views.qr_image, name="qr_image"),
    path("pay/<str:number>/status/", views.status, name="status"),
    path("payments/notify/<str:gateway>/", views.notify, name="notify"),
]

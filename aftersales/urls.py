"""The shopper's after-sales pages."""

from django.urls import path

from aftersales import views

app_name = "aftersales"
urlpatterns = [
    path("aftersales/", views.request_list, name="list"),
    path(
        "orders/<str:order_number>/lines/<int:line_id>/aftersales/", views.request_new, name="new"
    ),
    path("aftersales/<str:number>/", views.request_detail, name="detail"),
    path("aftersales/<str:number>/<slug:step>/", views.request_step, name="step"),
]

from django.urls import path

from catalog import views
from catalog.promotions import views as promotion_views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("products/", views.product_list, name="product_list"),
    path("products/<slug:slug>/", views.product_detail, name="product"),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.search_suggest, name="search_suggest"),
    path("categories/<slug:slug>/", views.category_detail, name="category"),
    path("counties/<slug:slug>/", views.county_detail, name="county"),
    path("vendors/<slug:slug>/", views.vendor_detail, name="vendor"),
    path("promotions/", promotion_views.promotion_list, name="promotions"),
    path("promotions/<slug:slug>/", promotion_views.promotion_detail, name="promotion"),
    path(
        "promotions/<slug:slug>/remind/", promotion_views.promotion_remind, name="promotion_remind"
    ),
]

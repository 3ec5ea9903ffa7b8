"""The shoppers' pages of reviews (mounted at the site's root, beside the catalog's)."""

from django.urls import path

from reviews import pages

app_name = "review_pages"
urlpatterns = [
    path("products/<slug:slug>/reviews/", pages.product_reviews, name="product"),
]

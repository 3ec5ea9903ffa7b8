"""The author's review pages, under /reviews/."""

from django.urls import path

from reviews import views

app_name = "reviews"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("write/<int:line_id>/", views.write, name="write"),
    path("<int:review_id>/follow-up/", views.follow_up, name="follow_up"),
]

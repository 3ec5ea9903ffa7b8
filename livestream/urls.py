from django.urls import path

from livestream import views

app_name = "livestream"
urlpatterns = [
    path("", views.stream_list, name="list"),
    path("<slug:slug>/", views.stream_detail, name="detail"),
    path("<slug:slug>/remind/", views.stream_remind, name="remind"),
    path("<slug:slug>/counters/", views.stream_counters, name="counters"),
]

from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("accounts/inbox/", views.inbox, name="inbox"),
    path("accounts/inbox/link/", views.inbox_link, name="inbox_link"),
]

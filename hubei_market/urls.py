from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from orders import account_views

admin.site.site_header = _("Hubei Market staff")
admin.site.site_title = _("Hubei Market")
admin.site.index_title = _("Run the made-in-Hubei zone")

urlpatterns = [
    # The outbox, the reset requests and the language preferences moved from orders to
    # notifications: staff's bookmarks of the old admin pages follow them.
    re_path(
        r"^admin/orders/(?P<model>notification|passwordresetrequest|languagepreference)/"
        r"(?P<rest>.*)$",
        RedirectView.as_view(
            url="/admin/notifications/%(model)s/%(rest)s", permanent=True, query_string=True
        ),
    ),
    path("admin/", admin.site.urls),
    # Before Django's own: a signed-in person's choice is kept with their account.
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before Django's own: the reset email is written to the outbox, not sent in the request.
    path("accounts/password_reset/", account_views.password_reset, name="password_reset"),
    path("accounts/login/", account_views.SignInView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("vendor/", include("hubei_market.vendor_urls")),
    path("live/", include("livestream.urls")),
    path("reviews/", include("reviews.urls")),
    path("", include("payments.urls")),
    path("", include("aftersales.urls")),
    path("", include("notifications.urls")),
    path("", include("orders.urls")),
    path("", include("reviews.page_urls")),
    path("", include("catalog.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
if settings.PAYMENT_SANDBOX:  # the gateways' stand-in, never in production
    urlpatterns.insert(0, path("sandbox-gateway/", include("gateway_sandbox.urls")))

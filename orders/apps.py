from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "orders"
    verbose_name = _("Orders")

    def ready(self):
        from celery.signals import worker_ready
        from django.contrib.auth.signals import user_logged_in

        from orders.notifications import deliver_after_worker_start
        from orders.signals import merge_cart_at_sign_in

        user_logged_in.connect(merge_cart_at_sign_in, dispatch_uid="merge-cart-at-sign-in")
        # A worker that starts (after a crash, a deploy) sends what is pending at once,
        # and what a dead worker was sending once that claim runs out.
        worker_ready.connect(deliver_after_worker_start, dispatch_uid="deliver-at-worker-start")

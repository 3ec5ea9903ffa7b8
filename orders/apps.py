from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "orders"
    verbose_name = _("Orders")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_delete

        from core import auth_backends  # noqa: F401  (cached users forgotten when saved)
        from orders import messages
        from orders.models import Order
        from orders.signals import delete_messages_about_order, merge_cart_at_sign_in

        user_logged_in.connect(merge_cart_at_sign_in, dispatch_uid="merge-cart-at-sign-in")
        post_delete.connect(
            delete_messages_about_order, sender=Order, dispatch_uid="delete-messages-about-order"
        )
        messages.register_kinds()

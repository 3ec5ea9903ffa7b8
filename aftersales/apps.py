from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftersalesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "aftersales"
    verbose_name = _("After-sales")

    def ready(self):
        from aftersales import messages, selectors, tasks  # noqa: F401 (tasks: found by beat)
        from aftersales.services.money import gateway_refused
        from orders import line_actions
        from payments.refund_hooks import on_refund_failed

        messages.register_kinds()
        line_actions.register("aftersales", selectors.order_line_actions)
        on_refund_failed(gateway_refused)

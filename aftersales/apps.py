from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftersalesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "aftersales"
    verbose_name = _("After-sales")

    def ready(self):
        from aftersales import messages, selectors, tasks  # noqa: F401 (tasks: found by beat)
        from orders import line_actions

        messages.register_kinds()
        line_actions.register("aftersales", selectors.order_line_actions)

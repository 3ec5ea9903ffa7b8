from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftersalesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "aftersales"
    verbose_name = _("After-sales")

    def ready(self):
        from aftersales import messages, tasks  # noqa: F401 (tasks: found by name by beat)

        messages.register_kinds()

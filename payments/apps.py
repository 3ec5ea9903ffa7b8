from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    verbose_name = _("Payments")

    def ready(self):
        from django.core.signals import setting_changed

        from payments import checks, gateways, messages, methods, tasks  # noqa: F401 (tasks: queued by name)

        methods.register_methods()
        messages.register_kinds()
        setting_changed.connect(gateways.forget_configured, dispatch_uid="payments-settings")

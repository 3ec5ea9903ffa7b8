from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GatewaySandboxConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "gateway_sandbox"
    verbose_name = _("Sandbox payment gateway")

    def ready(self):
        # Each protocol registers how its notifications are signed and acknowledged.
        from gateway_sandbox.alipay import protocol as alipay_protocol
        from gateway_sandbox.wechat_pay import protocol as wechat_pay_protocol

        alipay_protocol.register_protocol()
        wechat_pay_protocol.register_protocol()

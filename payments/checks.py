"""System checks of the payment settings (`manage.py check`, and every runserver start)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=False)
def sandbox_without_debug(app_configs: object = None, **kwargs: object) -> list[checks.Warning]:
    """The sandbox gateway lets anyone "pay" with a button: with DEBUG off it is only for
    the production profile's benchmark (PAYMENT_SANDBOX_WITHOUT_DEBUG), and says so."""
    if settings.PAYMENT_SANDBOX and not settings.DEBUG:
        return [
            checks.Warning(
                "The sandbox payment gateway is on with DEBUG off: orders are 'paid' by a "
                "button, no money moves.",
                hint="Unset PAYMENT_SANDBOX_WITHOUT_DEBUG and PAYMENT_SANDBOX, and set the "
                "real gateways' keys (README, Payments).",
                id="payments.W001",
            )
        ]
    return []

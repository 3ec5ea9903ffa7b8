from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettlementConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "settlement"
    verbose_name = _("Settlement")

    def ready(self):
        from aftersales import owed_hooks
        from orders import money_hooks
        from payments import refund_hooks
        from settlement import messages, tasks  # noqa: F401 (tasks: found by beat)
        from settlement.services import booking, rates

        messages.register_kinds()
        money_hooks.on("rate_for_lines", rates.assign_rates)
        money_hooks.on("parts_paid", booking.book_parts_paid)
        money_hooks.on("part_received", booking.book_part_received)
        money_hooks.on("parts_cancelled", booking.book_parts_cancelled)
        refund_hooks.on_refund_requested(booking.book_refund)
        refund_hooks.on_refund_failed(booking.reverse_refund)
        owed_hooks.on_owed(booking.book_owed_refund)

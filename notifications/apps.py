from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from celery.signals import worker_ready

        from notifications import password_reset, tasks  # noqa: F401 (tasks: queued by name)
        from notifications.delivery import deliver_after_worker_start

        password_reset.register_kind()
        # A worker that starts (after a crash, a deploy) sends what is pending at once,
        # and what a dead worker was sending once that claim runs out.
        worker_ready.connect(deliver_after_worker_start, dispatch_uid="deliver-at-worker-start")

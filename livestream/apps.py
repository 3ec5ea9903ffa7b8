from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LivestreamConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "livestream"
    verbose_name = _("livestreams")

    def ready(self):
        from catalog.promotions.calendar import add_calendar_bars
        from livestream.selectors import streams_in_calendar

        add_calendar_bars(streams_in_calendar)  # the streams on the season calendar

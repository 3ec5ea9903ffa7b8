from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LivestreamConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "livestream"
    verbose_name = _("livestreams")

    def ready(self):
        from catalog.promotions import calendar, channel_prices
        from livestream import messages
        from livestream.channels import StreamChannels, stream_prices
        from livestream.models import CHANNEL_PREFIX
        from livestream.selectors import streams_in_calendar
        from orders import channels

        # Orders and the catalog sit below livestream: what is bought from a stream's
        # page, at which price, and the streams on the season calendar reach them
        # through these hooks.
        channels.register(StreamChannels())
        channel_prices.register(CHANNEL_PREFIX, stream_prices)
        calendar.register(streams_in_calendar)
        messages.register_kinds()  # the kinds of message livestream sends

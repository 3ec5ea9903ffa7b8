from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LivestreamConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "livestream"
    verbose_name = _("livestreams")

    def ready(self):
        from django.db.models.signals import post_delete

        from catalog.promotions import calendar, channel_prices
        from livestream import messages
        from livestream.channels import StreamChannels, stream_prices
        from livestream.models import CHANNEL_PREFIX, LiveStream
        from livestream.selectors import streams_in_calendar
        from livestream.signals import forget_deleted_streams_sales
        from orders import channels

        # Orders and the catalog sit below livestream: what is bought from a stream's
        # page, at which price, and the streams on the season calendar reach them
        # through these hooks.
        channels.register(StreamChannels())
        channel_prices.register(CHANNEL_PREFIX, stream_prices)
        calendar.register(streams_in_calendar)
        messages.register_kinds()  # the kinds of message livestream sends
        post_delete.connect(
            forget_deleted_streams_sales, sender=LiveStream, dispatch_uid="forget-stream-sales"
        )

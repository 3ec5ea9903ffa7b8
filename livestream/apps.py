from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LivestreamConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "livestream"
    verbose_name = _("livestreams")

    def ready(self):
        from catalog.promotions import channel_prices
        from livestream.channels import StreamChannels, stream_prices
        from orders import channels

        # Orders and pricing sit below livestream: what is bought from a stream's page,
        # and at which price, reaches them through these hooks.
        channels.register(StreamChannels())
        channel_prices.register(stream_prices)

"""A live stream as a sales channel of orders and of pricing: what is bought from its
page while it is live and features the product is the stream's ("livestream:<id>" on
the cart item and the order line), at its stream price. Registered in
`LivestreamConfig.ready()`, since orders and catalog sit below livestream."""

from collections.abc import Collection, Sequence
from decimal import Decimal
from functools import partial
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from catalog.models import Product
from livestream.models import CHANNEL_PREFIX, FeaturedProduct, LiveStream, stream_channel
from orders.channels import ChannelPage

BACK_TO_STREAM = _("Back to the live stream")


def stream_id_of(channel: str) -> int | None:
    """The id of the stream whose channel this is, or None (the web store, another)."""
    stream_id = channel.removeprefix(CHANNEL_PREFIX) if channel else ""
    if stream_id == channel or not (stream_id.isascii() and stream_id.isdigit()):
        return None
    return int(stream_id)


def _sells(stream: LiveStream, product: Product) -> bool:
    """A purchase from the stream's page is the stream's while it is live and features
    the product (one query, only while it is live)."""
    return stream.is_live and stream.featured.filter(product=product).exists()


def stream_page(stream: LiveStream | None) -> ChannelPage | None:
    """The channel page of a stream (None for none): what orders knows of it."""
    if stream is None:
        return None
    return ChannelPage(
        url=stream.get_absolute_url(),
        back_label=BACK_TO_STREAM,
        posted=stream.slug,
        channel=stream.channel,
        sells=partial(_sells, stream),
    )


class StreamChannels:
    """The channel source of live streams (orders/channels.py)."""

    prefix = CHANNEL_PREFIX

    def page_posted(self, posted: str) -> ChannelPage | None:
        """The stream page that posted its slug with an item."""
        return stream_page(LiveStream.objects.filter(slug=posted).first())

    def page_of(self, channel: str) -> ChannelPage | None:
        stream_id = stream_id_of(channel)
        if stream_id is None:
            return None
        return stream_page(LiveStream.objects.filter(pk=stream_id).first())

    def names(self, channels: Collection[str]) -> dict[str, str]:
        ids = {stream_id for c in channels if (stream_id := stream_id_of(c)) is not None}
        streams = LiveStream.objects.filter(pk__in=ids) if ids else []
        return {stream.channel: str(stream) for stream in streams}

    def index_link(self) -> tuple[str, str]:
        return reverse("livestream:list"), _("Watch the livestreams")


def stream_prices(items: Sequence[Any]) -> dict[tuple[str, int], Decimal | None]:
    """{(channel, product id): stream price or None} for the items bought from a stream
    that is live now and features the product (catalog/promotions/channel_prices.py):
    one query, only when an item is a stream's. Filtered by the stream's state when read,
    so a stream that ended stops its prices at once."""
    wanted = {
        (stream_id, item.product_id)
        for item in items
        if (stream_id := stream_id_of(item.channel)) is not None
    }
    if not wanted:
        return {}
    rows = FeaturedProduct.objects.filter(
        stream_id__in={s for s, _ in wanted},
        product_id__in={p for _, p in wanted},
        stream__state=LiveStream.State.LIVE,
    ).values_list("stream_id", "product_id", "stream_price")
    return {(stream_channel(s), p): price for s, p, price in rows if (s, p) in wanted}

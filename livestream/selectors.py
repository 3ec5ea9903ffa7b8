"""Reads the stream pages need, in a fixed number of queries."""

from datetime import datetime

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone

from catalog.models import ProductImage
from catalog.promotions.pricing import quote, schedule_at
from livestream.models import FeaturedProduct, LiveStream

REPLAYS_SHOWN = 12


def streams_by_state() -> tuple[list[LiveStream], list[LiveStream], list[LiveStream]]:
    """(live now, coming up, replays): one query."""
    streams = list(LiveStream.objects.select_related("county").order_by("scheduled_start"))
    live = [s for s in streams if s.state == LiveStream.State.LIVE]
    upcoming = [s for s in streams if s.state == LiveStream.State.SCHEDULED]
    replays = [s for s in reversed(streams) if s.state == LiveStream.State.ENDED][:REPLAYS_SHOWN]
    return live, upcoming, replays


def stream_with_products(slug: str) -> tuple[LiveStream, list[FeaturedProduct]]:
    """A stream and its featured products (on sale only), priced now; the stream price
    shows while it is live."""
    stream = get_object_or_404(LiveStream.objects.select_related("county"), slug=slug)
    featured = list(
        FeaturedProduct.objects.filter(
            stream=stream, product__status="published", product__vendor__status="approved"
        )
        .select_related("product__vendor", "product__origin_county")
        .prefetch_related(
            Prefetch("product__images", queryset=ProductImage.objects.order_by("position", "id"))
        )
    )
    now = timezone.now()
    schedule = schedule_at(now)
    for item in featured:  # the price bought from this page: the one pricing function's
        channel_price = (item.stream_price, stream.channel) if stream.is_live else None
        item.price_now = quote(item.product, now, schedule, channel_price=channel_price).amount
    return stream, featured


def streams_in_calendar(start: datetime, end: datetime) -> list[tuple]:
    """The streams scheduled to overlap `start`–`end`, as the admin's season calendar
    shows them (registered in LivestreamConfig.ready): one query."""
    return [
        ("stream", stream, stream.scheduled_start, stream.scheduled_end)
        for stream in LiveStream.objects.filter(scheduled_start__lt=end, scheduled_end__gt=start)
    ]

"""Prices a sales channel sets for itself (a live stream's), for the one pricing entry
point: the app that sells through a channel sits above catalog, so it registers a source
here in its `AppConfig.ready()`. A source takes the priced items (each with `channel`
and `product_id`) and returns {(channel, product id): its price, or None when the
channel sells the product at the usual prices} for those its channels sell now; an item
left out is not the channel's any more (the stream ended), and is priced and counted as
the web store's."""

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

ChannelPrices = dict[tuple[str, int], Decimal | None]
ChannelPriceSource = Callable[[Sequence[Any]], ChannelPrices]

_sources: list[ChannelPriceSource] = []


def register(source: ChannelPriceSource) -> None:
    """Add a channel price source (from an `AppConfig.ready()`; the same one only once)."""
    if source not in _sources:
        _sources.append(source)


def prices_for(items: Iterable[Any]) -> ChannelPrices:
    """{(channel, product id): price or None} of the items bought from a channel's page
    that the channel still sells: one query per source, none when no item has a channel."""
    bought_from_channels = [i for i in items if getattr(i, "channel", "")]
    prices: ChannelPrices = {}
    if bought_from_channels:
        for source in _sources:
            prices.update(source(bought_from_channels))
    return prices

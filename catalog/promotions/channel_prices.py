"""Prices a sales channel sets for itself (a live stream's), for the one pricing entry
point: the app that sells through a channel sits above catalog, so it registers a source
for its channels' prefix here in its `AppConfig.ready()`. A source takes the priced items
of its channels (each with `channel` and `product_id`) and returns {(channel, product
id): its price, or None when the channel sells the product at the usual prices} for
those its channels sell now; an item left out is not the channel's any more (the stream
ended), and is priced and counted as the web store's, as is an item of a channel no
source owns (logged once per process)."""

import logging
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

ChannelPrices = dict[tuple[str, int], Decimal | None]
ChannelPriceSource = Callable[[Sequence[Any]], ChannelPrices]

_sources: dict[str, ChannelPriceSource] = {}  # {channel prefix: its source}
_warned_unsourced = False


def register(prefix: str, source: ChannelPriceSource) -> None:
    """Price the channels starting with `prefix` ("livestream:") with `source` (from an
    `AppConfig.ready()`). The same source again is a no-op (ready() may run twice in
    tests); another one for a prefix already registered raises ImproperlyConfigured."""
    known = _sources.get(prefix)
    if known is not None and known != source:
        raise ImproperlyConfigured(
            f"channel prices for {prefix!r} are registered twice: "
            f"{known.__qualname__} and {source.__qualname__}"
        )
    _sources[prefix] = source


def prices_for(items: Iterable[Any]) -> ChannelPrices:
    """{(channel, product id): price or None} of the items bought from a channel's page
    that the channel still sells: one query per source that owns one of the items, none
    when no item has a channel."""
    by_prefix: dict[str, list[Any]] = {}
    for item in items:
        if channel := getattr(item, "channel", ""):
            prefix = next((p for p in _sources if channel.startswith(p)), None)
            if prefix is not None:
                by_prefix.setdefault(prefix, []).append(item)
            else:
                _warn_unsourced(channel)
    prices: ChannelPrices = {}
    for prefix, mine in by_prefix.items():
        prices.update(_sources[prefix](mine))
    return prices


def _warn_unsourced(channel: str) -> None:
    global _warned_unsourced
    if not _warned_unsourced:
        _warned_unsourced = True
        logger.warning(
            "sales channel %r has no registered price source: its items are priced as "
            "the web store's",
            channel,
        )

"""Sales channels: where an item was bought, when not from the web store.

A channel is a short text kept on the cart item and the order line ("livestream:12"; ""
is the web store), written by the app that sells through it, so orders knows no such
app: that app (higher up) registers a ChannelSource here in its `AppConfig.ready()`. A
source finds the page that posted an item ("stream": a live stream's slug) and says
whether a purchase from it counts for its channel now, and gives a channel's page back
for the checkout's links. Prices a channel sets reach pricing through a hook of their
own (catalog/promotions/channel_prices.py)."""

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured

from catalog.models import Product

logger = logging.getLogger(__name__)

WEB_STORE = ""


@dataclass(frozen=True)
class ChannelPage:
    """A page that sells for a channel (a live stream's): the way back to it, and what it
    posts with an item so that a form can post it again."""

    url: str
    back_label: str  # the link text back to it (a checkout's)
    posted: str  # what the page posts as "stream" (a live stream's slug)
    channel: str
    # Whether buying this product from the page counts for the channel now (a query).
    sells: Callable[[Product], bool] = field(compare=False, repr=False)

    def channel_for(self, product: Product) -> str:
        """The channel a purchase of `product` from this page counts for, else WEB_STORE."""
        return self.channel if self.sells(product) else WEB_STORE


class ChannelSource(Protocol):
    prefix: str  # the start of each channel it owns ("livestream:")

    def page_posted(self, posted: str) -> ChannelPage | None:
        """The page that posts `posted` (any text a browser sent), or None: one query."""

    def page_of(self, channel: str) -> ChannelPage | None:
        """The page of one of its channels, or None once it is gone: one query."""

    def names(self, channels: Collection[str]) -> dict[str, str]:
        """{channel: what staff call it} of those of its channels still there: one query."""

    def index_link(self) -> tuple[str, str]:
        """(url, link text) of the page listing what it sells through (the live streams),
        for pages that show the channels' share of sales (the impact board). No query."""


_sources: list[ChannelSource] = []
_warned_unsourced = False


def register(source: ChannelSource) -> None:
    """Add a channel source (from an `AppConfig.ready()`). The same source again (of the
    same class: ready() may run twice in tests) is a no-op; another one for a prefix
    already registered raises ImproperlyConfigured."""
    for known in _sources:
        if known.prefix == source.prefix:
            if type(known) is type(source):
                return
            raise ImproperlyConfigured(
                f"sales channel prefix {source.prefix!r} is registered twice: "
                f"{type(known).__qualname__} and {type(source).__qualname__}"
            )
    _sources.append(source)


def _source_of(channel: str) -> ChannelSource | None:
    """The source owning `channel` (not the web store's), else None, with a warning the
    first time in this process (the app selling through it is not installed, or did not
    register it): its items are then the web store's."""
    global _warned_unsourced
    for source in _sources:
        if channel.startswith(source.prefix):
            return source
    if not _warned_unsourced:
        _warned_unsourced = True
        logger.warning(
            "sales channel %r has no registered source: its items are the web store's",
            channel,
        )
    return None


def page_posted(posted: str | None) -> ChannelPage | None:
    """The channel page that posted `posted` with an item, or None (no query for none)."""
    if not posted:
        return None
    for source in _sources:
        page = source.page_posted(posted)
        if page is not None:
            return page
    return None


def page_of(channel: str) -> ChannelPage | None:
    """The page of `channel`, or None: the web store's, a channel gone or unknown."""
    if not channel:
        return None
    source = _source_of(channel)
    return source.page_of(channel) if source is not None else None


def names(channels: Collection[str]) -> dict[str, str]:
    """{channel: what staff call it (a stream's title)} for these channels (the admin's
    lists): one query per source that owns one of them; the web store's is left out."""
    by_source: dict[int, tuple[ChannelSource, set[str]]] = {}
    for channel in channels:
        if channel and (source := _source_of(channel)) is not None:
            by_source.setdefault(id(source), (source, set()))[1].add(channel)
    found = {}
    for source, mine in by_source.values():
        found.update(source.names(mine))
    return found


def index_links() -> list[tuple[str, str]]:
    """(url, link text) of each registered channel's index page, in registration order."""
    return [source.index_link() for source in _sources]


def channel_for(page: ChannelPage | None, product: Product) -> str:
    """The channel a purchase of `product` from `page` (None: not a channel's) counts for."""
    return page.channel_for(product) if page is not None else WEB_STORE

"""Sales channels: where an item was bought, when not from the web store.

A channel is a short text kept on the cart item and the order line ("livestream:12"; ""
is the web store), written by the app that sells through it, so orders knows no such
app: that app (higher up) registers a ChannelSource here in its `AppConfig.ready()`. A
source finds the page that posted an item ("stream": a live stream's slug) and says
whether a purchase from it counts for its channel now, and gives a channel's page back
for the checkout's links. Prices a channel sets reach pricing through a hook of their
own (catalog/promotions/channel_prices.py)."""

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Protocol

from catalog.models import Product

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


_sources: list[ChannelSource] = []


def register(source: ChannelSource) -> None:
    """Add a channel source (from an `AppConfig.ready()`; registering again replaces it)."""
    _sources[:] = [s for s in _sources if s.prefix != source.prefix] + [source]


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
    for source in _sources:
        if channel.startswith(source.prefix):
            return source.page_of(channel)
    return None


def names(channels: Collection[str]) -> dict[str, str]:
    """{channel: what staff call it (a stream's title)} for these channels (the admin's
    lists): one query per source that owns one of them; the web store's is left out."""
    found = {}
    for source in _sources:
        if mine := {c for c in channels if c and c.startswith(source.prefix)}:
            found.update(source.names(mine))
    return found


def channel_for(page: ChannelPage | None, product: Product) -> str:
    """The channel a purchase of `product` from `page` (None: not a channel's) counts for."""
    return page.channel_for(product) if page is not None else WEB_STORE

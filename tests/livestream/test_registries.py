"""The registries livestream fills from its ready() (orders/channels.py,
catalog/promotions/channel_prices.py, catalog/promotions/calendar.py,
notifications/kinds.py): the same definition again is a no-op, another one under a name
or prefix already taken is refused, and an item of a channel no source owns is the web
store's, with one warning per process."""

import logging
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from catalog.promotions import calendar, channel_prices
from catalog.promotions.checkout import price_lines
from catalog.promotions.pricing import schedule_at
from livestream.channels import StreamChannels, stream_prices
from livestream.models import CHANNEL_PREFIX
from notifications import kinds
from orders import channels
from orders.models import CartItem
from tests.factories import ProductFactory


def test_running_ready_again_registers_nothing_twice():
    before = (
        list(channels._sources),
        dict(channel_prices._sources),
        list(calendar._providers),
        dict(kinds._kinds),
    )

    apps.get_app_config("livestream").ready()
    apps.get_app_config("orders").ready()

    after = (
        list(channels._sources),
        dict(channel_prices._sources),
        list(calendar._providers),
        dict(kinds._kinds),
    )
    assert after == before


def test_another_channel_source_for_a_prefix_taken_is_refused():
    class OtherStreams(StreamChannels):
        pass

    with pytest.raises(ImproperlyConfigured, match="livestream:"):
        channels.register(OtherStreams())
    assert [type(s) for s in channels._sources] == [StreamChannels]


def test_another_price_source_for_a_prefix_taken_is_refused():
    with pytest.raises(ImproperlyConfigured, match="livestream:"):
        channel_prices.register(CHANNEL_PREFIX, lambda items: {})
    assert channel_prices._sources == {CHANNEL_PREFIX: stream_prices}


def test_another_kind_of_the_same_name_is_refused():
    known = kinds.get("stream_reminder")

    with pytest.raises(ImproperlyConfigured, match="stream_reminder"):
        kinds.register("stream_reminder", "Another", templates="elsewhere/stream_reminder")
    assert kinds.get("stream_reminder") is known


def test_the_same_kind_again_is_kept_as_it_was():
    known = kinds.get("stream_reminder")

    kinds.register(
        known.name,
        known.label,
        templates=known.body_template.removesuffix(".txt"),
        in_inbox=known.in_inbox,
        link_label=known.link_label,
        load=known.load,
        keep_body=known.keep_body,
    )

    assert kinds.get("stream_reminder") == known


@pytest.mark.django_db
def test_an_item_of_a_channel_no_source_owns_is_the_web_stores_with_one_warning(
    monkeypatch, caplog
):
    monkeypatch.setattr(channel_prices, "_warned_unsourced", False)
    monkeypatch.setattr(channels, "_warned_unsourced", False)
    product = ProductFactory(price=Decimal("50.00"))
    items = [CartItem(product=product, quantity=1, channel="podcast:7") for _ in range(2)]
    at = timezone.now()
    schedule = schedule_at(at)

    with caplog.at_level(logging.WARNING):
        prices = [price_lines(items, None, at, schedule) for _ in range(2)]
        names = channels.names({"podcast:7", "podcast:8"})
        page = channels.page_of("podcast:7")

    assert [p.total for run in prices for p in run] == [Decimal("50.00")] * 4
    assert names == {}
    assert page is None
    assert [(r.name, r.levelname) for r in caplog.records] == [
        ("catalog.promotions.channel_prices", "WARNING"),
        ("orders.channels", "WARNING"),
    ]

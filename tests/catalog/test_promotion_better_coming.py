"""A product already in a sale announces a cheaper sale coming and shows it from its
start; pricing a coming sale's start keeps the schedule of now in the worker's memory."""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache

from catalog.models import Promotion
from catalog.promotions.pricing import _slot_start, quote
from catalog.revision import cache_key
from tests.factories import ProductFactory, running_promotion

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 20, 0, tzinfo=SHANGHAI)
STARTS = datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def in_a_sale(db):
    oranges = ProductFactory(
        name="秭归脐橙 10斤装", name_en="Zigui navel oranges", price=Decimal("59.90")
    )
    running_promotion(
        oranges,
        name="脐橙九折",
        name_en="Oranges 15% off",
        value="15",
        starts_at=NOW - timedelta(days=1),
        ends_at=NOW + timedelta(days=4),
    )
    return oranges


def _coming(product, value, **fields):
    promotion = Promotion.objects.create(
        name="脐橙特价",
        name_en="Orange special",
        slug=f"special-{value.replace('.', '-')}",
        kind="special_price",
        value=Decimal(value),
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=12),
        **fields,
    )
    promotion.products.add(product)
    return promotion


def _price_block(html):
    start = html.index('class="product-price')
    return html[start : html.index("add-to-cart", start)]


@time_machine.travel(NOW, tick=False)
def test_a_cheaper_coming_sale_is_announced_beside_the_running_one(client, in_a_sale):
    _coming(in_a_sale, "49.90")

    block = _price_block(client.get(in_a_sale.get_absolute_url()).content.decode())

    shown = re.search(r'<div data-phase="scheduled">(.*?)<div data-phase="ended"', block, re.S)
    shown = shown.group(1)
    assert "¥50.91" in shown and "正在进行" in shown and "12月5日 20:00 结束" in shown
    assert "12月3日 10:00 起 ¥49.90" in shown
    # From its start the countdown shows the coming sale: its state is in the page, hidden.
    assert 'data-starts="2026-12-03T10:00:00+08:00"' in block
    coming = re.search(r'<div data-phase="running" hidden>(.*?)</div>', block, re.S).group(1)
    assert "¥49.90" in coming and "脐橙特价" in coming and "12月3日 22:00 结束" in coming

    english = _price_block(client.get(in_a_sale.get_absolute_url(), **EN).content.decode())
    assert "From 3 Dec 10:00: ¥49.90" in english and "Orange special" in english


@time_machine.travel(NOW, tick=False)
def test_a_coming_sale_dearer_than_the_running_one_is_not_announced(client, in_a_sale):
    _coming(in_a_sale, "55.00")

    block = _price_block(client.get(in_a_sale.get_absolute_url()).content.decode())

    assert "¥50.91" in block and "起" not in block and "¥55.00" not in block


@time_machine.travel(NOW, tick=False)
def test_a_running_sale_says_ends_once_in_both_languages(client, in_a_sale):
    html = client.get(in_a_sale.get_absolute_url()).content.decode()
    text = re.sub(r"<[^>]+>", "", _price_block(html))
    assert re.search(r"12月5日 20:00 结束 · 剩余 12-05 20:00", text)
    assert text.count("结束") == 1

    english = re.sub(
        r"<[^>]+>",
        "",
        _price_block(client.get(in_a_sale.get_absolute_url(), **EN).content.decode()),
    )
    assert "Ends 5 Dec 20:00 · 12-05 20:00 left" in english
    assert english.count("Ends") == 1


@time_machine.travel(NOW, tick=False)
def test_pricing_a_coming_start_keeps_the_schedule_of_now_in_memory(
    in_a_sale, django_assert_num_queries
):
    assert quote(in_a_sale).amount == Decimal("50.91")  # the schedule of now, read once
    quote(in_a_sale, STARTS)  # a later slot, as a product page does for a coming sale
    # Gone from the cache: only the worker's memory can still answer without queries.
    cache.delete(cache_key("value", f"promotion-schedule:{_slot_start(NOW).isoformat()}"))

    with django_assert_num_queries(0):
        assert quote(in_a_sale).amount == Decimal("50.91")

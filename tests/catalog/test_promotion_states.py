"""What a promotion's blocks say of its state: a sold-out flash sale, a coming sale on a
product page, a running sale's end; and the server's clock the countdowns count from."""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from catalog.models import Promotion
from tests.factories import ProductFactory, running_promotion

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 20, 0, tzinfo=SHANGHAI)


@pytest.fixture
def sold_out_flash(db):
    eggs = ProductFactory(name="土鸡蛋 30枚", name_en="Free-range eggs", price=Decimal("45.00"))
    flash = running_promotion(
        eggs, name="鸡蛋秒杀", name_en="Egg flash sale", slug="eggs", value="20", units_cap=5
    )
    Promotion.objects.filter(pk=flash.pk).update(units_sold=5)
    return flash, eggs


def _section(html, heading):
    """The part of the page after the <h2> `heading`, up to the next <h2>."""
    start = html.index(f"<h2>{heading}</h2>")
    end = html.find("<h2>", start + 1)
    return html[start : end if end != -1 else None]


def test_a_sold_out_flash_sale_is_listed_as_sold_out_not_on_now(client, sold_out_flash):
    html = client.get(reverse("catalog:promotions")).content.decode()

    assert "鸡蛋秒杀" not in _section(html, "正在进行")
    assert "鸡蛋秒杀" in _section(html, "已抢光")
    assert "已售 5 / 5" in _section(html, "已抢光")

    english = client.get(reverse("catalog:promotions"), **EN).content.decode()
    assert "Egg flash sale" in _section(english, "Sold out")
    assert "Egg flash sale" not in _section(english, "On now")


def test_a_sold_out_flash_sales_page_says_sold_out_and_prices_are_normal(client, sold_out_flash):
    flash, eggs = sold_out_flash

    html = client.get(flash.get_absolute_url()).content.decode()
    start = html.index('class="promo-header"')
    header = html[start : html.index("</header>", start)]
    assert "已抢光" in header and "正在进行" not in header
    assert "¥45.00" in html and "¥36.00" not in html

    english = client.get(flash.get_absolute_url(), **EN).content.decode()
    assert "Sold out" in english[english.index('class="promo-header"') :]

    product = client.get(eggs.get_absolute_url()).content.decode()
    assert "¥45.00" in product and "¥36.00" not in product and "正在进行" not in product


@pytest.fixture
def coming_sale(db):
    oranges = ProductFactory(
        name="秭归脐橙 10斤装", name_en="Zigui navel oranges", price=Decimal("59.90")
    )
    promotion = Promotion.objects.create(
        name="脐橙特价",
        name_en="Orange special",
        slug="orange-special",
        kind="special_price",
        value=Decimal("29.90"),
        starts_at=datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI),
        ends_at=datetime(2026, 12, 3, 22, 0, tzinfo=SHANGHAI),
    )
    promotion.categories.add(oranges.category)
    return promotion, oranges


def _price_block(html):
    start = html.index('class="product-price')
    return html[start : html.index("add-to-cart", start)]


@time_machine.travel(NOW, tick=False)
def test_a_product_page_shows_a_coming_sale_with_its_start_and_price(client, coming_sale):
    _promotion, oranges = coming_sale

    html = client.get(oranges.get_absolute_url()).content.decode()
    block = _price_block(html)
    assert "12月3日 10:00 起 ¥29.90" in block
    assert "<strong>¥59.90</strong>" in block  # today's price, shown until it starts
    # The running state is in the page already, hidden, for the countdown to show at zero.
    running = re.search(r'<div data-phase="running" hidden>(.*?)</div>', block, re.S).group(1)
    assert "¥29.90" in running and "正在进行" in running and "12月3日 22:00 结束" in running

    english = _price_block(client.get(oranges.get_absolute_url(), **EN).content.decode())
    assert "From 3 Dec 10:00: ¥29.90" in english
    assert "Ends 3 Dec 22:00" in english and "On now" in english


@time_machine.travel(datetime(2026, 12, 3, 12, 0, tzinfo=SHANGHAI), tick=False)
def test_a_product_page_shows_a_running_sales_end_with_a_countdown(client, coming_sale):
    _promotion, oranges = coming_sale

    block = _price_block(client.get(oranges.get_absolute_url()).content.decode())
    shown = re.search(r'<div data-phase="running">(.*?)</div>', block, re.S).group(1)
    assert "¥29.90" in shown and "正在进行" in shown and "12月3日 22:00 结束" in shown
    assert "data-countdown" in shown and 'datetime="2026-12-03T22:00:00+08:00"' in shown
    assert "起" not in block  # no coming state: it has started

    english = _price_block(client.get(oranges.get_absolute_url(), **EN).content.decode())
    assert "Ends 3 Dec 22:00" in english


@time_machine.travel(NOW, tick=False)
def test_a_better_sale_running_at_a_coming_ones_start_is_the_one_shown(client, coming_sale):
    _promotion, oranges = coming_sale
    running_promotion(
        oranges,
        kind="special_price",
        value="19.90",
        starts_at=NOW - timedelta(hours=1),
        ends_at=NOW + timedelta(days=5),
    )

    block = _price_block(client.get(oranges.get_absolute_url()).content.decode())

    assert "¥19.90" in block and "起" not in block and "¥29.90" not in block


def test_a_cached_page_tells_the_countdown_the_time_it_is_served(client, coming_sale):
    _promotion, oranges = coming_sale
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        first = client.get(oranges.get_absolute_url()).content.decode()
    with time_machine.travel(NOW + timedelta(seconds=90), tick=False):
        second = client.get(oranges.get_absolute_url()).content.decode()

    def stamp(html):
        return float(re.search(r'data-now="([0-9.]+)"', html).group(1))

    assert stamp(first) == NOW.timestamp()
    assert stamp(second) == NOW.timestamp() + 90  # the same cached page, stamped anew


# With one coming sale, nothing is scheduled at its end: that schedule is one query. The
# page reads its product's id first (catalog/revision.py): one more.
@pytest.mark.parametrize(("coming", "queries"), [(1, 9), (6, 10)])
def test_a_product_page_with_coming_sales_runs_a_fixed_number_of_queries(
    client, django_assert_num_queries, coming, queries
):
    oranges = ProductFactory(price=Decimal("59.90"))
    with time_machine.travel(NOW, tick=False):
        for n in range(coming):  # the nearest few are priced at their start, no more
            promotion = Promotion.objects.create(
                name=f"促销{n}",
                slug=f"coming-{n}",
                kind="percent_off",
                value=Decimal("10"),
                starts_at=NOW + timedelta(days=2 + n),
                ends_at=NOW + timedelta(days=3 + n),
            )
            promotion.products.add(oranges)
        cache.clear()
        # the product page's 4 (no promotion now: the schedule is one query), the coming
        # sales (1), the price schedule at the first one's start (2: a slot of its own),
        # and the one at its end (1 or 2), for the price shown once it has ended
        with django_assert_num_queries(queries):
            html = client.get(oranges.get_absolute_url()).content.decode()
    assert "12月3日 20:00 起 ¥53.91" in html

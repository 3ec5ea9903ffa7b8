"""When a sale ends while another still runs, the product page's ended state shows the
price then: the other sale's, with its name and its own end, not the list price."""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import ProductFactory, running_promotion

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 20, 0, tzinfo=SHANGHAI)


@pytest.fixture
def two_sales(db):
    with time_machine.travel(NOW, tick=False):
        tea = ProductFactory(
            name="恩施玉露 250克", name_en="Enshi Yulu tea", price=Decimal("103.60")
        )
        running_promotion(
            tea,
            name="茶叶85折",
            name_en="Tea 15% off",
            value="15",
            starts_at=NOW - timedelta(days=1),
            ends_at=NOW + timedelta(days=3),
        )
        running_promotion(
            tea,
            name="玉露特价",
            name_en="Yulu special",
            kind="special_price",
            value="50",
            starts_at=NOW - timedelta(hours=1),
            ends_at=NOW + timedelta(minutes=30),
        )
    return tea


def _ended(html):
    """The outer sale block's ended state (hidden until the countdown reaches its end)."""
    start = html.index('class="product-price')
    block = html[start : html.index("add-to-cart", start)]
    return block[block.index('<div data-phase="ended" hidden>') :]


@time_machine.travel(NOW, tick=False)
def test_the_ended_state_shows_the_sale_still_running_then(client, two_sales):
    html = client.get(two_sales.get_absolute_url()).content.decode()
    assert "¥50.00" in html.split('data-phase="ended"')[0]  # the special, shown now

    ended = _ended(html)
    assert "¥88.06" in ended and "茶叶85折" in ended and "正在进行" in ended
    assert "12月4日 20:00 结束" in ended
    assert 'datetime="2026-12-04T20:00:00+08:00"' in ended  # its own countdown
    assert not re.search(r"<strong>¥103\.60</strong>", ended.split("茶叶85折")[0])


@time_machine.travel(NOW, tick=False)
def test_the_ended_state_in_english(client, two_sales):
    html = client.get(two_sales.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    ended = _ended(html)
    assert "¥88.06" in ended and "Tea 15% off" in ended and "On now" in ended
    assert "Ends 4 Dec 20:00" in ended


@time_machine.travel(NOW, tick=False)
def test_the_ended_state_of_the_last_sale_is_the_list_price(client):
    tea = ProductFactory(price=Decimal("103.60"))
    running_promotion(
        tea, value="15", starts_at=NOW - timedelta(days=1), ends_at=NOW + timedelta(hours=2)
    )

    ended = _ended(client.get(tea.get_absolute_url()).content.decode())
    assert "<strong>¥103.60</strong>" in ended and "¥88.06" not in ended


@time_machine.travel(NOW, tick=False)
def test_a_promotions_ended_banner_is_true_whatever_other_sales_apply(client, two_sales):
    from catalog.models import Promotion

    special = Promotion.objects.get(name="玉露特价")
    url = special.get_absolute_url()

    html = client.get(url).content.decode()
    assert "此促销已结束，以下商品按当前价格销售。" in html  # hidden until it ends
    assert "恢复原价" not in html
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This promotion has ended; its products sell at their current prices." in english
    assert "normal prices" not in english

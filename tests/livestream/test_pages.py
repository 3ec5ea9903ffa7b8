import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import County
from livestream.models import FeaturedProduct, LiveStream, StreamReminder
from orders.models import CartItem
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def make_stream(slug, state, hours_from_now, **fields):
    start = timezone.now() + timedelta(hours=hours_from_now)
    return LiveStream.objects.create(
        title=f"直播{slug}",
        title_en=f"Stream {slug}",
        slug=slug,
        host_name="王县长",
        host_title="秭归县县长",
        county=County.objects.get(slug="zigui"),
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=2),
        state=state,
        **fields,
    )


@pytest.fixture
def streams(db):
    live = make_stream("live", "live", -1, stream_url="https://live.example.cn/embed/1")
    soon = make_stream("soon", "scheduled", 5)
    replay = make_stream("replay", "ended", -500, replay_url="https://live.example.cn/r/1")
    oranges = ProductFactory(name="秭归脐橙", name_en="Zigui oranges", price=Decimal("59.90"))
    FeaturedProduct.objects.create(stream=live, product=oranges, stream_price=Decimal("45.00"))
    return live, soon, replay, oranges


def test_the_list_shows_live_upcoming_and_replays(client, streams):
    html = client.get(reverse("livestream:list"), **EN).content.decode()

    assert (
        html.index("Live now")
        < html.index("Stream live")
        < html.index("Coming up")
        < html.index("Stream soon")
        < html.index("Replays")
        < html.index("Stream replay")
    )


def test_a_live_stream_plays_and_sells_at_its_stream_price(client, streams):
    live, _soon, _replay, oranges = streams

    html = client.get(live.get_absolute_url(), **EN).content.decode()
    client.post(reverse("orders:cart_add", args=[oranges.pk]), {"quantity": 2, "stream": live.slug})

    assert 'src="https://live.example.cn/embed/1"' in html
    assert '<strong class="price-promo">¥45.00</strong>' in html and "Buy now" in html
    item = CartItem.objects.get()
    assert (item.channel, item.quantity) == (live.channel, 2)
    cart = client.get(reverse("orders:cart"), **EN).content.decode()
    assert "¥90.00" in cart


def test_an_upcoming_stream_offers_a_reminder_and_an_ended_one_its_replay(
    client, streams, django_user_model
):
    _live, soon, replay, _oranges = streams
    assert (
        'src="https://live.example.cn/r/1"'
        in client.get(replay.get_absolute_url()).content.decode()
    )
    client.force_login(django_user_model.objects.create_user("fan"))

    page = client.get(soon.get_absolute_url(), **EN).content.decode()
    client.post(reverse("livestream:remind", args=[soon.slug]))
    client.post(reverse("livestream:remind", args=[soon.slug]))
    after = client.get(soon.get_absolute_url(), **EN).content.decode()

    assert "Remind me" in page
    assert StreamReminder.objects.count() == 1
    assert "You will be reminded before it starts." in after


def test_a_stream_page_runs_a_fixed_number_of_queries(
    client, streams, django_assert_max_num_queries
):
    live = streams[0]
    for _ in range(5):
        FeaturedProduct.objects.create(stream=live, product=ProductFactory())

    # stream, featured with products and vendors, photos, the promotion schedule (2)
    with django_assert_max_num_queries(6):
        assert client.get(live.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("extra", [0, 6])
def test_the_stream_list_runs_a_fixed_number_of_queries(
    client, streams, extra, django_assert_num_queries
):
    for n in range(extra):
        make_stream(f"more-{n}", "scheduled", 10 + n)

    with django_assert_num_queries(1):  # the streams with their counties
        assert client.get(reverse("livestream:list")).status_code == 200


# Each state a stream can be in, as a shopper sees it: (state, fields, what the page
# says in English and in Chinese, and what it must never say alongside).
STATES = {
    "scheduled": ("scheduled", 5, {}, ("Coming up", "直播预告"), ("Remind me", "提醒我")),
    "live": (
        "live",
        -1,
        {"stream_url": "https://live.example.cn/embed/9"},
        ("LIVE", "直播中"),
        ('src="https://live.example.cn/embed/9"',) * 2,
    ),
    "starting": (
        "live",
        -1,
        {"cover": "streams/cover.jpg"},
        ("Starting soon", "直播即将开始"),
        ('src="/media/streams/cover.jpg"',) * 2,
    ),
    "replay": (
        "ended",
        -500,
        {"replay_url": "https://live.example.cn/r/9"},
        ("Replay", "回放"),
        ("normal price", "正常价格"),
    ),
    "ended": ("ended", -500, {}, ("Ended", "已结束"), ("This stream has ended.", "本场直播已结束")),
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("phase", list(STATES))
def test_a_stream_page_and_its_card_show_one_clear_state(client, db, phase, language):
    state, hours, fields, badges, says = STATES[phase]
    stream = make_stream(phase, state, hours, **fields)
    english = language == "en"
    badge = badges[0 if english else 1]

    html = client.get(stream.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    listing = client.get(reverse("livestream:list"), HTTP_ACCEPT_LANGUAGE=language).content.decode()

    shown = re.findall(r'data-state="(\w+)">(?:● )?([^<]+)</span>', html)
    assert shown == [(phase, badge)]
    assert says[0 if english else 1] in html
    others = {"This stream has ended.", "本场直播已结束", "LIVE", "直播中"} - {badge, *says}
    assert not [word for word in others if word in html]
    assert (phase, badge) in re.findall(r'data-state="(\w+)">(?:● )?([^<]+)</span>', listing)


def test_a_live_stream_without_its_address_yet_still_sells_at_the_stream_price(client, db):
    stream = make_stream("starting", "live", -1)
    oranges = ProductFactory(name="秭归脐橙", name_en="Zigui oranges", price=Decimal("59.90"))
    FeaturedProduct.objects.create(stream=stream, product=oranges, stream_price=Decimal("45.00"))

    html = client.get(stream.get_absolute_url(), **EN).content.decode()

    assert "Starting soon" in html and "This stream has ended." not in html
    assert '<strong class="price-promo">¥45.00</strong>' in html and "Buy now" in html

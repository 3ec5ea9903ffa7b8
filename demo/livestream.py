"""Demo livestreams modelled on spring 2020: the Zigui magistrate's orange stream (ended,
with its replay), one live now, and two coming up. Idempotent by slug; the live and
upcoming ones are placed around the day the seed runs."""

import random
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from catalog.models import County, Product, Vendor
from demo.orders import DemoOrder, create_orders, demo_shoppers
from livestream.models import LiveStream
from livestream.services import feature_product
from orders.models import OrderLine

DEMO_STREAMS = [
    # slug, title, English title, host, host title, county, category, starts (hours from now), hours
    (
        "zigui-oranges-2020",
        "县长带你吃秭归脐橙",
        "The Zigui magistrate sells navel oranges",
        "秭归县县长",
        "秭归县人民政府县长",
        "zigui",
        "citrus",
        None,
        3,
    ),
    (
        "qianjiang-crayfish-live",
        "潜江小龙虾直播间",
        "Qianjiang crayfish, live",
        "潜江市副市长",
        "潜江市人民政府副市长",
        "qianjiang-city",
        "crayfish",
        -1,
        4,
    ),
    (
        "enshi-tea-live",
        "恩施玉露春茶直播",
        "Enshi Yulu first flush, live",
        "恩施市市长",
        "恩施市人民政府市长",
        "enshi-city",
        "tea",
        26,
        2,
    ),
    (
        "honghu-lotus-live",
        "洪湖莲藕助农专场",
        "Honghu lotus root for the farmers",
        "新闻主播 李华",
        "湖北广播电视台主播",
        "honghu",
        "lotus-root",
        74,
        2,
    ),
]

HOSTS_EN = {
    "秭归县县长": "The magistrate of Zigui",
    "秭归县人民政府县长": "Magistrate of Zigui County",
    "潜江市副市长": "The deputy mayor of Qianjiang",
    "潜江市人民政府副市长": "Deputy mayor of Qianjiang",
    "恩施市市长": "The mayor of Enshi",
    "恩施市人民政府市长": "Mayor of Enshi",
    "新闻主播 李华": "News anchor Li Hua",
    "湖北广播电视台主播": "Anchor, Hubei Radio and Television",
}


def seed_streams():
    """Returns how many streams were created."""
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    created = 0
    for (
        slug,
        title,
        title_en,
        host,
        host_title,
        county_slug,
        category,
        starts,
        hours,
    ) in DEMO_STREAMS:
        county = County.objects.filter(slug=county_slug).first()
        if county is None or LiveStream.objects.filter(slug=slug).exists():
            continue
        if starts is None:  # the 2020 stream: 1.25 million viewers, 30 tons sold
            start = timezone.make_aware(timezone.datetime(2020, 4, 10, 19, 30))
        else:
            start = now + timedelta(hours=starts)
        stream = LiveStream.objects.create(
            slug=slug,
            title=title,
            title_en=title_en,
            host_name=host,
            host_title=host_title,
            host_name_en=HOSTS_EN.get(host, ""),
            host_title_en=HOSTS_EN.get(host_title, ""),
            county=county,
            scheduled_start=start,
            scheduled_end=start + timedelta(hours=hours),
            replay_url="https://live.example.cn/replay/" + slug if starts is None else "",
            stream_url="https://live.example.cn/embed/" + slug,
            state=(
                LiveStream.State.ENDED
                if starts is None
                else LiveStream.State.LIVE
                if starts < 0
                else LiveStream.State.SCHEDULED
            ),
            reminder_minutes=15,
        )
        if starts is not None and starts < 0:
            LiveStream.objects.filter(pk=stream.pk).update(started_at=start)
        stream.vendors.set(Vendor.objects.filter(county=county, status=Vendor.Status.APPROVED))
        products = (
            Product.objects.visible()
            .filter(category__slug=category, origin_county=county, vendor__in=stream.vendors.all())
            .select_related("vendor")
            .order_by("pk")[:4]
        )
        for position, product in enumerate(products):
            feature_product(
                stream,
                product,
                position=position,
                stream_price=(product.price * Decimal("0.8")).quantize(
                    Decimal("0.1"), rounding=ROUND_HALF_UP
                )
                if position < 2
                else None,
            )
        created += 1
    return created


STREAM_ORDERS = {"zigui-oranges-2020": 160, "qianjiang-crayfish-live": 30}


def seed_stream_orders(seed=315):
    """Orders bought from the demo streams' pages while they were live (the 2020 Zigui
    stream, and the one live now, so far); returns the days whose rollups need building."""
    rng = random.Random(seed)
    shoppers = demo_shoppers()
    demo_orders = []
    now = timezone.now()
    for slug, count in STREAM_ORDERS.items():
        stream = LiveStream.objects.filter(slug=slug).first()
        if stream is None or OrderLine.objects.filter(channel=stream.channel).exists():
            continue
        featured = list(stream.featured.select_related("product").order_by("position"))
        if not featured:
            continue
        start = stream.started_at or stream.scheduled_start
        end = min(stream.ended_at or stream.scheduled_end, now)
        span = max((end - start).total_seconds(), 60)
        for _ in range(count):
            item = rng.choice(featured)
            price = item.stream_price or item.product.price
            demo_orders.append(
                DemoOrder(
                    placed_at=start + timedelta(seconds=rng.uniform(30, span - 1)),
                    shopper=rng.choice(shoppers),
                    items=[(item.product, rng.choice([1, 2, 2, 3]), price, stream.channel)],
                    outcome="completed" if stream.state == LiveStream.State.ENDED else "confirmed",
                )
            )
    return create_orders(demo_orders, rng) if demo_orders else set()

"""A season of promotions like the zone's spring of 2020: about 100 between April and
June, themed on Hubei's calendar and produce, plus a few running now and coming soon so
a fresh demo always has something on.

Idempotent: every promotion has a fixed slug; running again creates only what is
missing (the ones around "now" are keyed by the day the seed runs).
"""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from catalog.models import Category, County, Product, Promotion, Vendor
from catalog.promotions.shown_prices import refresh_shown_prices

# (Chinese name, English name, category slugs, county slugs)
THEMES = [
    ("湖北好物节", "Made-in-Hubei festival", ["citrus", "tea", "rice"], []),
    ("春茶上新", "First flush tea", ["tea"], ["enshi-city", "wufeng", "yingshan"]),
    ("秭归脐橙季", "Zigui navel orange season", ["citrus"], ["zigui"]),
    ("小龙虾开捕", "Crayfish season opens", ["crayfish"], ["qianjiang-city", "jianli"]),
    ("五一劳动节特惠", "May Day specials", ["hot-dry-noodles", "eggs", "rice-wine-snacks"], []),
    ("热干面早餐节", "Hot dry noodle breakfast week", ["hot-dry-noodles"], []),
    ("洪湖莲藕节", "Honghu lotus root days", ["lotus-root", "freshwater-fish"], ["honghu"]),
    ("端午节粽香", "Dragon Boat Festival", ["rice", "eggs", "rice-wine-snacks"], []),
    (
        "山货节",
        "Mountain goods fair",
        ["mushrooms-fungus", "chestnuts-nuts", "honey"],
        ["fangxian", "luotian", "shennongjia-district"],
    ),
    ("助农直播专场", "Help-the-farmers live special", ["citrus", "crayfish", "tea"], []),
    ("618 湖北专场", "618 Hubei special", ["dried-goods", "honey", "rice"], []),
]
KINDS = [
    ("percent_off", ["10", "15", "20", "25", "30"]),
    ("amount_off", ["5", "8", "10", "15", "20"]),
]


def _aware(day, hour):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def seed_promotions(year=None, count=100, seed=2020):
    """The season of `year` (default: this year) and a handful around now. Returns how
    many were created."""
    year = year or timezone.localdate().year
    rng = random.Random(seed)
    categories = {c.slug: c for c in Category.objects.all()}
    counties = {c.slug: c for c in County.objects.all()}
    season_start = date(year, 4, 1)
    created = 0
    for n in range(count):
        name, name_en, category_slugs, county_slugs = THEMES[n % len(THEMES)]
        start = season_start + timedelta(days=rng.randrange(0, 85))
        kind, values = rng.choice(KINDS)
        created += _ensure(
            f"season-{year}-{n + 1:03d}",
            f"{name}·第{n // len(THEMES) + 1}期",
            f"{name_en} #{n // len(THEMES) + 1}",
            kind,
            rng.choice(values),
            _aware(start, rng.choice([0, 8, 10, 20])),
            _aware(start + timedelta(days=rng.choice([1, 2, 3, 5, 7])), 23),
            [categories[s] for s in category_slugs if s in categories],
            [counties[s] for s in county_slugs if s in counties],
        )
    created += _around_now(categories, counties)
    refresh_shown_prices()  # listings sort by the promoted prices at once
    return created


def _around_now(categories, counties):
    """Two running now, a flash sale running now, two coming soon."""
    today = timezone.localdate()
    key = today.strftime("%Y%m%d")
    created = _ensure(
        f"now-{key}-1",
        "湖北好物节·进行中",
        "Made-in-Hubei festival (on now)",
        "percent_off",
        "15",
        _aware(today - timedelta(days=1), 0),
        _aware(today + timedelta(days=6), 23),
        [categories[s] for s in ("citrus", "tea") if s in categories],
        [],
    )
    created += _ensure(
        f"now-{key}-2",
        "热干面早餐节",
        "Hot dry noodle breakfast week",
        "amount_off",
        "5",
        _aware(today - timedelta(days=2), 8),
        _aware(today + timedelta(days=4), 22),
        [categories[s] for s in ("hot-dry-noodles",) if s in categories],
        [],
    )
    flash_products = list(
        Product.objects.visible().filter(category__slug="crayfish").order_by("pk")[:3]
    )
    created += _ensure(
        f"now-{key}-flash",
        "潜江小龙虾秒杀",
        "Qianjiang crayfish flash sale",
        "percent_off",
        "40",
        _aware(today, 0),
        _aware(today + timedelta(days=2), 23),
        [],
        [],
        products=flash_products,
        units_cap=50,
        per_shopper_limit=2,
    )
    created += _ensure(
        f"soon-{key}-1",
        "端午节粽香·预告",
        "Dragon Boat Festival (coming)",
        "amount_off",
        "8",
        _aware(today + timedelta(days=3), 10),
        _aware(today + timedelta(days=8), 22),
        [categories[s] for s in ("rice", "eggs") if s in categories],
        [],
    )
    created += _ensure(
        f"soon-{key}-2",
        "恩施春茶上新",
        "Enshi first flush tea (coming)",
        "percent_off",
        "20",
        _aware(today + timedelta(days=10), 10),
        _aware(today + timedelta(days=17), 22),
        [],
        [counties[s] for s in ("enshi-city",) if s in counties],
        vendors=list(Vendor.objects.filter(county__slug="enshi-city")[:2]),
    )
    return created


def _ensure(
    slug,
    name,
    name_en,
    kind,
    value,
    starts_at,
    ends_at,
    categories,
    counties,
    *,
    products=(),
    vendors=(),
    units_cap=None,
    per_shopper_limit=None,
):
    promotion, created = Promotion.objects.get_or_create(
        slug=slug,
        defaults={
            "name": name,
            "name_en": name_en,
            "kind": kind,
            "value": Decimal(value),
            "starts_at": starts_at,
            "ends_at": ends_at,
            "units_cap": units_cap,
            "per_shopper_limit": per_shopper_limit,
            "description": f"{name}：湖北各县好物限时优惠。",
            "description_en": f"{name_en}: time-limited offers on produce from Hubei's counties.",
        },
    )
    if created:
        promotion.categories.set(categories)
        promotion.counties.set(counties)
        promotion.products.set(products)
        promotion.vendors.set(vendors)
    return int(created)

"""Demo pledges for the impact board, modelled on spring 2020's (Taobao's 1.2 million
tons, Hema's RMB 1 billion and JD Fresh's RMB 6 billion of crayfish), scaled to a demo
store. Idempotent: a pledge with the same pledger and title is not added again."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from catalog.models import Category, County, Vendor
from orders.impact.models import Dimension, Pledge

DEMO_PLEDGES = [
    # pledger, English, title, English title, measure, target, scope, scope slug, from, to
    # (days from today)
    (
        "湖北省农业农村厅",
        "Hubei Department of Agriculture and Rural Affairs",
        "专区助农：两个月销售 12 吨湖北农产品",
        "Sell 12 tons of Hubei produce in two months",
        Pledge.Measure.TONS,
        "12",
        Dimension.ALL,
        None,
        -59,
        30,
    ),
    (
        "潜江市人民政府",
        "Qianjiang city government",
        "潜江小龙虾销售额 10 万元",
        "RMB 100,000 of Qianjiang crayfish",
        Pledge.Measure.YUAN,
        "100000",
        Dimension.CATEGORY,
        "crayfish",
        -59,
        30,
    ),
    (
        "秭归县人民政府",
        "Zigui county government",
        "秭归农产品 2 吨",
        "2 tons of Zigui produce",
        Pledge.Measure.TONS,
        "2",
        Dimension.COUNTY,
        "zigui",
        -59,
        30,
    ),
    (
        "湖北茶叶行业协会",
        "Hubei tea association",
        "春茶销售额 5 万元",
        "RMB 50,000 of spring tea",
        Pledge.Measure.YUAN,
        "50000",
        Dimension.CATEGORY,
        "tea",
        -59,
        0,
    ),
]


def seed_pledges(vendor_slug=None):
    """Returns how many pledges were created."""
    today = timezone.localdate()
    created = 0
    rows = list(DEMO_PLEDGES)
    if vendor_slug:
        rows.append(
            (
                "秭归脐橙合作社",
                "Zigui navel orange co-operative",
                "本社春季销售 2 万元",
                "RMB 20,000 this spring",
                Pledge.Measure.YUAN,
                "20000",
                Dimension.VENDOR,
                vendor_slug,
                -59,
                30,
            )
        )
    for position, (
        pledger,
        pledger_en,
        title,
        title_en,
        measure,
        target,
        scope,
        slug,
        start,
        end,
    ) in enumerate(rows):
        if Pledge.objects.filter(pledger=pledger, title=title).exists():
            continue
        scope_object = {
            Dimension.CATEGORY: Category,
            Dimension.COUNTY: County,
            Dimension.VENDOR: Vendor,
        }.get(scope)
        target_object = scope_object.objects.filter(slug=slug).first() if scope_object else None
        if scope_object and target_object is None:
            continue
        Pledge.objects.create(
            pledger=pledger,
            pledger_en=pledger_en,
            title=title,
            title_en=title_en,
            measure=measure,
            target=Decimal(target),
            scope=scope,
            position=position,
            starts_on=today + timedelta(days=start),
            ends_on=today + timedelta(days=end),
            **({scope.value: target_object} if target_object else {}),
        )
        created += 1
    return created

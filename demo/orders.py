"""Demo orders and pledges for the impact board: two months of orders from demo shoppers
(most delivered, some cancelled, a few parts a shop could not ship, recent ones on their
way or awaiting a bank transfer) and pledges modelled on spring 2020's (Taobao's 1.2
million tons, Hema's RMB 1 billion and JD Fresh's RMB 6 billion of crayfish), scaled to
a demo store. Idempotent: nothing is added when the demo shoppers already have orders.

Orders are written in bulk, as history (no stock is taken, no message sent); the rollups
are then rebuilt from them with the same code the beat task runs.
"""

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from catalog.models import Category, County, Product, Vendor
from orders.impact import rollups as impact
from orders.impact.models import Dimension, Pledge
from orders.models import Order, OrderEvent, OrderLine, OrderPart

SHOPPER_PREFIX = "demo-shopper-"
DEMO_DAYS = 60
CARRIERS = ["顺丰速运", "中国邮政 EMS", "京东物流", "中通快递"]
ADDRESSES = [
    ("湖北省", "武汉市", "洪山区", "珞喻路 1037 号"),
    ("广东省", "深圳市", "南山区", "科技园南区 8 栋"),
    ("北京市", "北京市", "朝阳区", "建国路 93 号"),
    ("上海市", "上海市", "浦东新区", "世纪大道 100 号"),
    ("浙江省", "杭州市", "余杭区", "文一西路 969 号"),
    ("四川省", "成都市", "武侯区", "天府大道 1700 号"),
]
NAMES = ["王芳", "李伟", "张敏", "刘洋", "陈静", "杨磊", "赵丽", "黄强", "周杰", "吴霞"]


@dataclass
class DemoOrder:
    placed_at: datetime
    shopper: object
    items: list  # (product, quantity, unit price, sales channel or "")
    outcome: str  # completed, shipped, confirmed, unpaid, cancelled, part_cancelled
    parts: dict = field(default_factory=dict)


def demo_shoppers(count=80):
    User = get_user_model()
    existing = list(User.objects.filter(username__startswith=SHOPPER_PREFIX).order_by("pk"))
    missing = [
        User(username=f"{SHOPPER_PREFIX}{n:03d}", email=f"shopper{n}@demo.invalid")
        for n in range(len(existing), count)
    ]
    for user in missing:
        user.set_unusable_password()
    User.objects.bulk_create(missing)
    return list(User.objects.filter(username__startswith=SHOPPER_PREFIX).order_by("pk"))


def has_demo_orders():
    return Order.objects.filter(shopper__username__startswith=SHOPPER_PREFIX).exists()


def create_orders(demo_orders, rng):
    """Write the orders, their parts, lines and events in bulk; returns the days touched."""
    orders, parts, lines, events = [], [], [], []
    for demo in demo_orders:
        recipient = rng.choice(NAMES)
        province, city, district, street = rng.choice(ADDRESSES)
        confirmed = demo.outcome != "unpaid"
        status = {
            "completed": Order.Status.COMPLETED,
            "part_cancelled": Order.Status.COMPLETED,
            "cancelled": Order.Status.CANCELLED,
            "unpaid": Order.Status.PLACED,
        }.get(demo.outcome, Order.Status.CONFIRMED)
        order = Order(
            shopper=demo.shopper,
            status=status,
            payment_method=Order.PaymentMethod.CASH_ON_DELIVERY
            if confirmed
            else Order.PaymentMethod.BANK_TRANSFER,
            address={
                "recipient": recipient,
                "mobile": f"139{rng.randrange(10**8):08d}",
                "province": province,
                "city": city,
                "district": district,
                "street": street,
            },
            mobile="13900000000",
            total=Decimal("0"),
            weight_g=0,
            idempotency_key=f"demo-{uuid.uuid4().hex}",
        )
        order.demo = demo
        for product, quantity, unit_price, channel in demo.items:
            part = demo.parts.get(product.vendor_id)
            if part is None:
                part = demo.parts[product.vendor_id] = OrderPart(
                    order=order, vendor_id=product.vendor_id, subtotal=Decimal("0"), weight_g=0
                )
                parts.append(part)
            line = OrderLine(
                part=part,
                product=product,
                **OrderLine.snapshot_of(product),
                unit_price=unit_price,
                quantity=quantity,
                line_total=unit_price * quantity,
                weight_g=product.net_weight_g * quantity,
                discount=(product.price - unit_price) * quantity,
                channel=channel,
                category_id=product.category_id,
                origin_county_id=product.origin_county_id,
            )
            lines.append(line)
            part.subtotal += line.line_total
            part.weight_g += line.weight_g
        order.total = sum(p.subtotal for p in demo.parts.values())
        order.weight_g = sum(p.weight_g for p in demo.parts.values())
        orders.append(order)
    with transaction.atomic():
        Order.objects.bulk_create(orders, batch_size=500)
        for order in orders:
            order.created_at = order.updated_at = order.demo.placed_at
            _settle(order, order.demo, rng, events)
        Order.objects.bulk_update(orders, ["created_at", "updated_at"], batch_size=500)
        for part in parts:
            part.order_id = part.order.pk
        OrderPart.objects.bulk_create(parts, batch_size=500)
        for line in lines:
            line.part_id = line.part.pk
        OrderLine.objects.bulk_create(lines, batch_size=1000)
        moments = [event.at for event in events]  # bulk_create stamps "now" over them
        for event in events:
            event.order_id = event.order.pk
            event.part_id = event.part.pk if event.part is not None else None
        created = OrderEvent.objects.bulk_create(events, batch_size=1000)
        for event, moment in zip(created, moments, strict=True):
            event.at = moment
        OrderEvent.objects.bulk_update(created, ["at"], batch_size=1000)
    return {timezone.localdate(o.created_at) for o in orders}


def _settle(order, demo, rng, events):
    """Part statuses and the history an order with this outcome has."""
    at = demo.placed_at
    events.append(OrderEvent(order=order, to_status=Order.Status.PLACED, at=at))
    if demo.outcome != "unpaid":
        events.append(
            OrderEvent(
                order=order,
                from_status=Order.Status.PLACED,
                to_status=Order.Status.CONFIRMED,
                at=at,
            )
        )
    parts = list(demo.parts.values())
    cancelled_part = parts[-1] if demo.outcome == "part_cancelled" and len(parts) > 1 else None
    for part in parts:
        if demo.outcome == "cancelled" or part is cancelled_part:
            part.status = OrderPart.Status.CANCELLED
            events.append(
                OrderEvent(
                    order=order,
                    part=part,
                    from_status="pending",
                    to_status="cancelled",
                    at=at + timedelta(hours=2),
                    note="" if part is not cancelled_part else "果园遭遇倒春寒，这批货无法发出",
                )
            )
        elif demo.outcome in ("completed", "shipped", "part_cancelled"):
            part.status = (
                OrderPart.Status.SHIPPED
                if demo.outcome == "shipped"
                else OrderPart.Status.DELIVERED
            )
            part.carrier = rng.choice(CARRIERS)
            part.tracking_number = f"SF{rng.randrange(10**12):012d}"
            part.shipped_at = at + timedelta(hours=rng.randint(6, 30))
            events.append(
                OrderEvent(
                    order=order,
                    part=part,
                    from_status="pending",
                    to_status="shipped",
                    at=part.shipped_at,
                )
            )
            if part.status == OrderPart.Status.DELIVERED:
                part.delivered_at = part.shipped_at + timedelta(days=rng.randint(1, 3))
                events.append(
                    OrderEvent(
                        order=order,
                        part=part,
                        from_status="shipped",
                        to_status="delivered",
                        at=part.delivered_at,
                    )
                )
    if demo.outcome == "cancelled":
        events.append(
            OrderEvent(
                order=order,
                from_status=Order.Status.CONFIRMED,
                to_status=Order.Status.CANCELLED,
                by=demo.shopper,
                at=at + timedelta(hours=2),
            )
        )


def _outcome(placed_at, now, rng):
    """What became of an order placed at `placed_at`: only what could have happened by
    `now` (a parcel ships within 30 hours and arrives within 3 days after)."""
    hours = (now - placed_at).total_seconds() / 3600
    roll = rng.random()
    if hours < 72 and roll < 0.06:
        return "unpaid"
    if roll < 0.10 and hours >= 3:
        return "cancelled"
    if hours >= 5 * 24:
        return "part_cancelled" if roll < 0.14 else "completed"
    return "shipped" if hours >= 31 and roll < 0.7 else "confirmed"


def seed_orders(count=1200, seed=2020):
    """Two months of orders; returns the days whose rollups need building."""
    if has_demo_orders():
        return set()
    rng = random.Random(seed)
    shoppers = demo_shoppers()
    products = list(Product.objects.visible().select_related("vendor").order_by("pk")[:400])
    if not products or not shoppers:
        return set()
    now = timezone.localtime()
    today = now.date()
    # more at weekends, and growing towards today
    weights = [
        1 + (DEMO_DAYS - n) / DEMO_DAYS + (0.5 if (today - timedelta(days=n)).weekday() >= 5 else 0)
        for n in range(DEMO_DAYS)
    ]
    demo_orders = []
    for _ in range(count):
        days_ago = rng.choices(range(DEMO_DAYS), weights=weights)[0]
        day = today - timedelta(days=days_ago)
        moment = time(rng.choice([9, 10, 12, 13, 19, 20, 21, 22]), rng.randrange(60))
        placed_at = timezone.make_aware(datetime.combine(day, moment))
        if placed_at > timezone.now():
            placed_at = timezone.now() - timedelta(minutes=rng.randint(1, 120))
        items = [
            (p, rng.choice([1, 1, 1, 2, 2, 3]), p.price, "")
            for p in rng.sample(products, rng.choice([1, 1, 1, 2, 2, 3]))
        ]
        demo_orders.append(
            DemoOrder(
                placed_at, rng.choice(shoppers), items, _outcome(placed_at, timezone.now(), rng)
            )
        )
    return create_orders(demo_orders, rng)


def rebuild(days):
    """The impact board's rollups of the days the demo's orders fell on. PostgreSQL is
    told what the bulk load wrote first (ANALYZE): with the statistics of the empty
    tables it would plan each day's query as if they still were."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Order, OrderPart, OrderLine):
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    for day in sorted(days):
        impact.rebuild_day(day)


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

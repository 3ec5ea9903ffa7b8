"""Demo orders for the impact board: two months of orders from demo shoppers (most
delivered, some cancelled, a few parts a shop could not ship, recent ones on their way
or awaiting a bank transfer), each part with the shipping fee its shop's freight
template charges to the order's province (demo/shipping.py; pledges: demo/pledges.py).
Idempotent: nothing is added when the demo shoppers already have orders.

Most are cash on delivery; one paid order in three placed a day ago or more was paid by
bank transfer, which staff confirmed 40 minutes after it was placed (the platform holds
that money: demo/settlement.py books it into the shops' ledgers).

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

from catalog.models import Product
from orders.impact import rollups as impact
from orders.models import Order, OrderEvent, OrderLine, OrderPart
from orders.shipping import receipt_days
from orders.shipping.fees import Goods, quote_part
from orders.shipping.selectors import templates_for

SHOPPER_PREFIX = "demo-shopper-"
DEMO_DAYS = 60
# Codes of orders/shipping/carriers.py, and how their tracking numbers begin.
CARRIERS = ["sf", "ems", "jd", "zto", "yunda"]
TRACKING_PREFIXES = {"sf": "SF", "ems": "E", "jd": "JD", "zto": "7", "yunda": "43"}
ADDRESSES = [
    ("湖北省", "武汉市", "洪山区", "珞喻路 1037 号"),
    ("广东省", "深圳市", "南山区", "科技园南区 8 栋"),
    ("北京市", "北京市", "朝阳区", "建国路 93 号"),
    ("上海市", "上海市", "浦东新区", "世纪大道 100 号"),
    ("浙江省", "杭州市", "余杭区", "文一西路 969 号"),
    ("四川省", "成都市", "武侯区", "天府大道 1700 号"),
    ("湖南省", "长沙市", "岳麓区", "麓山南路 932 号"),
    ("新疆维吾尔自治区", "乌鲁木齐市", "天山区", "解放北路 181 号"),
]
TRANSFER_CONFIRMED_AFTER = timedelta(minutes=40)
NAMES = ["王芳", "李伟", "张敏", "刘洋", "陈静", "杨磊", "赵丽", "黄强", "周杰", "吴霞"]


@dataclass
class DemoOrder:
    placed_at: datetime
    shopper: object
    items: list  # (product, quantity, unit price, sales channel or "")
    outcome: str  # completed, shipped, confirmed, unpaid, cancelled, part_cancelled
    parts: dict = field(default_factory=dict)
    by_transfer: bool = False  # paid by bank transfer (create_orders decides)


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
    """Write the orders, their parts, lines and events in bulk; returns the days touched.
    Each part's shipping fee is quoted as at checkout (orders/shipping/fees.py), with the
    templates of all the orders' products read once."""
    orders, parts, lines, events = [], [], [], []
    products = {item[0].pk: item[0] for demo in demo_orders for item in demo.items}
    templates = templates_for(products.values())
    days_by_category = receipt_days.receipt_days_by_category()
    now = timezone.now()
    for index, demo in enumerate(demo_orders):
        recipient = rng.choice(NAMES)
        first_choice = rng.randrange(len(ADDRESSES))
        confirmed = demo.outcome != "unpaid"
        demo.by_transfer = (
            confirmed
            and demo.outcome != "cancelled"
            and index % 3 == 1
            and now - demo.placed_at >= timedelta(days=1)
        )
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
            if confirmed and not demo.by_transfer
            else Order.PaymentMethod.BANK_TRANSFER,
            mobile="13900000000",
            total=Decimal("0"),
            weight_g=0,
            idempotency_key=f"demo-{uuid.uuid4().hex}",
        )
        order.demo = demo
        goods = {}  # vendor id -> [Goods], to quote the parts' shipping
        for product, quantity, unit_price, channel in demo.items:
            part = demo.parts.get(product.vendor_id)
            if part is None:
                part = demo.parts[product.vendor_id] = OrderPart(
                    order=order, vendor_id=product.vendor_id, subtotal=Decimal("0"), weight_g=0
                )
                part.category_ids = set()
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
            part.category_ids.add(product.category_id)
            goods.setdefault(product.vendor_id, []).append(
                Goods(product, quantity, line.line_total, line.weight_g)
            )
        (province, city, district, street), quotes = _deliverable(first_choice, goods, templates)
        order.address = {
            "recipient": recipient,
            "mobile": f"139{rng.randrange(10**8):08d}",
            "province": province,
            "city": city,
            "district": district,
            "street": street,
        }
        for vendor_id, part in demo.parts.items():
            part.shipping_fee = quotes[vendor_id].fee
            part.cold_chain = quotes[vendor_id].cold_chain
            part.receipt_days = receipt_days.days_for(part.category_ids, days_by_category)
        order.shipping_fee = sum((p.shipping_fee for p in demo.parts.values()), Decimal("0"))
        order.total = sum(p.subtotal for p in demo.parts.values()) + order.shipping_fee
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


def _deliverable(first_choice, goods, templates):
    """The first demo address, from `first_choice` on, every part delivers to (a shopper
    in Urumqi buys no live crayfish), with the parts' quotes there."""
    for step in range(len(ADDRESSES)):
        address = ADDRESSES[(first_choice + step) % len(ADDRESSES)]
        quotes = {
            vendor_id: quote_part(items, templates, address[0])
            for vendor_id, items in goods.items()
        }
        if all(quote.served for quote in quotes.values()):
            break
    return address, quotes


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
                at=at + TRANSFER_CONFIRMED_AFTER if demo.by_transfer else at,
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
            # Chilled parcels go by SF's cold chain; the others by whichever courier.
            part.carrier = "sf" if part.cold_chain else rng.choice(CARRIERS)
            prefix = TRACKING_PREFIXES[part.carrier]
            part.tracking_number = f"{prefix}{rng.randrange(10**12):012d}"
            part.shipped_at = at + timedelta(hours=rng.randint(6, 30))
            part.auto_confirm_at = part.shipped_at + timedelta(days=part.receipt_days)
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

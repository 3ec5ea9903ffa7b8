"""Keeping the impact board's daily rollups (DailySales) equal to the orders.

What counts: the lines of an order that is confirmed or completed, except those of a
vendor's part that was cancelled, each without what after-sales refunded of it (its
units, weight and money; orders/services/refunds.py); on the Shanghai day the order was
placed, so a refund approved later corrects that day. Each state
change calls `record_change(order, before, after)` inside its own transaction with the
order's counted lines before and after; the difference is added to the rows in one
INSERT … ON CONFLICT DO UPDATE (`col = col + excluded.col`, exact on PostgreSQL and
SQLite). `rebuild_day` recomputes a day from the order lines and replaces its rows: beat
runs it for today and yesterday (`rebuild_recent_days`), which repairs any drift, and
`manage.py rebuild_impact` runs it for any range.

Concurrency: every change to a day's rows upserts the day's store-wide row first and
rows always go in the same order, so a rebuild, which locks that row before reading
the lines, never interleaves with an increment (and increments never deadlock).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from orders.impact.models import DailySales, Dimension
from orders.models import Order, OrderLine, OrderPart

COUNTED_ORDER_STATUSES = (Order.Status.CONFIRMED, Order.Status.COMPLETED)
# The columns of DailySales that a change adds to, in this order in every tuple below.
MEASURES = (
    "orders",
    "units",
    "weight_g",
    "revenue_fen",
    "stream_orders",
    "stream_weight_g",
    "stream_revenue_fen",
)
# A DailySales row's (dimension, key): the dimension's value and the subject's id.
RowKey = tuple[str, int]


@dataclass(frozen=True)
class CountedLine:
    """What the rollups need of one order line."""

    order_id: int
    vendor_id: int
    category_id: int | None
    county_id: int | None
    quantity: int
    weight_g: int
    revenue_fen: int
    from_stream: bool


def fen(amount: Decimal) -> int:
    """Yuan (Decimal, 2 places) to fen, exactly."""
    return int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))


def counted_line(line: OrderLine, order_id: int, vendor_id: int) -> CountedLine:
    """A CountedLine of an OrderLine in memory (at checkout, or as a part is cancelled),
    without what after-sales refunded of it."""
    return CountedLine(
        order_id,
        vendor_id,
        line.category_id,
        line.origin_county_id,
        line.quantity - line.refunded_quantity,
        line.weight_g - line.refunded_weight_g,
        fen(line.line_total - line.refunded_amount),
        bool(line.channel),  # any channel but the web store's is a livestream's
    )


def still_counted(line: OrderLine) -> bool:
    """False for a line after-sales refunded whole (all its units and all its money)."""
    return line.refunded_quantity < line.quantity or line.refunded_amount < line.line_total


def sales_day(order: Order) -> date:
    return timezone.localdate(order.created_at)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def _counted_lines_queryset() -> QuerySet[OrderLine]:
    return OrderLine.objects.filter(part__order__status__in=COUNTED_ORDER_STATUSES).exclude(
        part__status=OrderPart.Status.CANCELLED
    )


def _as_counted(rows: Iterable[tuple]) -> list[CountedLine]:
    """Each line without what after-sales refunded of it; a line refunded whole (all its
    units and all its money) does not count at all."""
    return [
        CountedLine(
            order_id,
            vendor_id,
            category_id,
            county_id,
            quantity - refunded_quantity,
            weight_g - refunded_weight_g,
            fen(line_total - refunded_amount),
            bool(channel),
        )
        for (
            order_id,
            vendor_id,
            category_id,
            county_id,
            quantity,
            weight_g,
            line_total,
            channel,
            refunded_quantity,
            refunded_amount,
            refunded_weight_g,
        ) in rows
        if refunded_quantity < quantity or refunded_amount < line_total  # still_counted
    ]


_LINE_FIELDS = (
    "part__order_id",
    "part__vendor_id",
    "category_id",
    "origin_county_id",
    "quantity",
    "weight_g",
    "line_total",
    "channel",
    "refunded_quantity",
    "refunded_amount",
    "refunded_weight_g",
)


def counted_lines(order: Order) -> list[CountedLine]:
    """The order's lines that count now (one query; none if the order does not count)."""
    return _as_counted(
        _counted_lines_queryset().filter(part__order=order).values_list(*_LINE_FIELDS)
    )


def contributions(lines: Iterable[CountedLine]) -> dict[RowKey, list[int]]:
    """{(dimension, key): [orders, units, grams, fen, stream orders, stream grams,
    stream fen]} for these counted lines: each order counts once per key it touches."""
    totals = defaultdict(lambda: [0] * len(MEASURES))
    seen, seen_stream = set(), set()
    for line in lines:
        for key in (
            (Dimension.ALL.value, 0),
            (Dimension.CATEGORY.value, line.category_id),
            (Dimension.COUNTY.value, line.county_id),
            (Dimension.VENDOR.value, line.vendor_id),
        ):
            if key[1] is None:
                continue
            row = totals[key]
            if (key, line.order_id) not in seen:
                seen.add((key, line.order_id))
                row[0] += 1
            row[1] += line.quantity
            row[2] += line.weight_g
            row[3] += line.revenue_fen
            if line.from_stream:
                if (key, line.order_id) not in seen_stream:
                    seen_stream.add((key, line.order_id))
                    row[4] += 1
                row[5] += line.weight_g
                row[6] += line.revenue_fen
    return totals


def _difference(
    before: Iterable[CountedLine], after: Iterable[CountedLine]
) -> dict[RowKey, list[int]]:
    old, new = contributions(before), contributions(after)
    changed = {}
    for key in old.keys() | new.keys():
        delta = [
            b - a
            for a, b in zip(
                old.get(key, [0] * len(MEASURES)), new.get(key, [0] * len(MEASURES)), strict=True
            )
        ]
        if any(delta):
            changed[key] = delta
    return changed


def _sorted_rows(rows: dict[RowKey, list[int]]) -> list[tuple[RowKey, list[int]]]:
    """The store-wide row first, then by dimension and key: one locking order."""
    return sorted(rows.items(), key=lambda item: (item[0][0] != Dimension.ALL, item[0]))


def _add(day: date, rows: dict[RowKey, list[int]]) -> None:
    """Add `rows` ({(dimension, key): measures}) to the day's DailySales, one statement."""
    if not rows:
        return
    table = connection.ops.quote_name(DailySales._meta.db_table)
    columns = ", ".join(MEASURES)
    placeholders = ", ".join(
        ["(%s, %s, %s, " + ", ".join(["%s"] * len(MEASURES)) + ")"] * len(rows)
    )
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in MEASURES)
    params = []
    for (dimension, key), measures in _sorted_rows(rows):
        params += [day, dimension, key, *measures]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, dimension, key, {columns}) VALUES {placeholders} "
            f"ON CONFLICT (day, dimension, key) DO UPDATE SET {updates}",
            params,
        )


def record_change(
    order: Order, before: Iterable[CountedLine], after: Iterable[CountedLine]
) -> None:
    """The order's counted lines went from `before` to `after` (lists of CountedLine):
    move the day's rollups by the difference. Call inside the change's transaction."""
    changed = _difference(before, after)
    if changed:
        changed.setdefault((Dimension.ALL.value, 0), [0] * len(MEASURES))  # locks first
        _add(sales_day(order), changed)


def rebuild_day(day: date) -> int:
    """Recompute the day's rollups from its orders and replace them; returns the number
    of rows. Safe to run at any time and any number of times."""
    start, end = day_bounds(day)
    with transaction.atomic():
        _add(day, {(Dimension.ALL.value, 0): [0] * len(MEASURES)})
        list(DailySales.objects.select_for_update().filter(day=day, dimension=Dimension.ALL))
        lines = _as_counted(
            _counted_lines_queryset()
            .filter(part__order__created_at__gte=start, part__order__created_at__lt=end)
            .values_list(*_LINE_FIELDS)
            .iterator(chunk_size=5000)
        )
        rows = contributions(lines)
        DailySales.objects.filter(day=day).exclude(dimension=Dimension.ALL).delete()
        store = rows.pop((Dimension.ALL.value, 0), [0] * len(MEASURES))
        store_row = DailySales.objects.filter(day=day, dimension=Dimension.ALL)
        if any(store):
            store_row.update(**dict(zip(MEASURES, store, strict=True)))
        else:  # nothing sold that day (any more): no rows at all
            store_row.delete()
        DailySales.objects.bulk_create(
            [
                DailySales(
                    day=day,
                    dimension=dimension,
                    key=key,
                    **dict(zip(MEASURES, measures, strict=True)),
                )
                for (dimension, key), measures in _sorted_rows(rows)
            ],
            batch_size=1000,
        )
    return len(rows) + (1 if any(store) else 0)


def rebuild_recent_days(now: datetime | None = None) -> None:
    """Beat, every few minutes: today's and yesterday's rollups from the orders."""
    today = timezone.localdate(now or timezone.now())
    for day in (today - timedelta(days=1), today):
        rebuild_day(day)


def days_to_rebuild(since: date | None = None) -> list[date]:
    """The Shanghai days (oldest first) on which orders were placed, and any day that
    has rollups (its orders deleted since), from `since` if given."""
    orders = Order.objects.all()
    rollups = DailySales.objects.all()
    if since is not None:
        orders = orders.filter(created_at__gte=day_bounds(since)[0])
        rollups = rollups.filter(day__gte=since)
    days = set(
        orders.annotate(day=TruncDate("created_at"))
        .values_list("day", flat=True)
        .distinct()
        .order_by()
    )
    days |= set(rollups.values_list("day", flat=True).distinct().order_by())
    return sorted(days)

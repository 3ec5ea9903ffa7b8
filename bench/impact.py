"""The impact board's latency at 10,000 and at 1,000,000 order lines.

    python -m bench.impact --base http://127.0.0.1:8765 --out bench/results/impact.json

Run by bench/run.sh (BENCH_IMPACT=1, the default) last, against its gunicorn. Orders of
one line each are written straight into PostgreSQL with generate_series (confirmed or
completed, spread over the last 60 days, over every product on sale, some bought from a
livestream) until there are BENCH_IMPACT_SMALL and then BENCH_IMPACT_LARGE order lines of
this benchmark; after each step the rollups are rebuilt by `orders.impact.rebuild_day`
(what beat and `manage.py rebuild_impact` run) and checked against the order lines.
Then wrk measures /impact/ as shoppers get it (the computed board shared for a minute)
and /__impact_uncached__/ (the board recomputed from the rollups on every request).
Aim: the page's latency at the large size within 1.5 times the small one's. The
benchmark's orders are deleted at the end and their days rebuilt.
"""

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Sum  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench import wrk  # noqa: E402
from livestream.models import stream_channel  # noqa: E402
from orders.impact import rollups as impact  # noqa: E402
from orders.impact.models import DailySales, Dimension  # noqa: E402
from orders.impact.selectors import BOARD_CACHE_KEY  # noqa: E402
from orders.models import OrderLine  # noqa: E402

KEY_PREFIX = "bench-impact-"
PAGES = [("served", "/impact/"), ("recomputed", "/__impact_uncached__/")]
AIM_RATIO = 1.5


def log(message):
    print(f"impact: {message}", file=sys.stderr, flush=True)


def bench_lines():
    return OrderLine.objects.filter(part__order__idempotency_key__startswith=KEY_PREFIX)


def add_orders(count, start):
    """`count` one-line orders numbered from `start`, in three INSERT … SELECT (parameters
    cast: the connection binds them on the server, where a bare number is ambiguous)."""
    shopper, _ = get_user_model().objects.get_or_create(username="bench-impact-shopper")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM livestream_livestream ORDER BY id LIMIT 1")
        row = cursor.fetchone()
        channel = stream_channel(row[0]) if row else ""
        cursor.execute("""
            CREATE TEMP TABLE IF NOT EXISTS bench_products AS
            SELECT row_number() OVER (ORDER BY p.id) AS n, p.id, p.vendor_id, p.category_id,
                   p.origin_county_id, p.price, p.net_weight_g, p.name, p.pack_size
            FROM catalog_product p JOIN catalog_vendor v ON v.id = p.vendor_id
            WHERE p.status = 'published' AND v.status = 'approved'""")
        cursor.execute("CREATE UNIQUE INDEX IF NOT EXISTS bench_products_n ON bench_products (n)")
        cursor.execute("ANALYZE bench_products")
        cursor.execute("SELECT count(*) FROM bench_products")
        products = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(id), 0) FROM orders_order")
        last_order = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO orders_order (number, shopper_id, status, payment_method, address,
                mobile, total, shipping_fee, weight_g, idempotency_key, created_at, updated_at)
            SELECT 'BI' || lpad(g::text, 12, '0'), %s,
                   CASE WHEN g %% 3 = 0 THEN 'confirmed' ELSE 'completed' END, 'cod',
                   '{}'::jsonb, '13900000000', 0, 0, 0, %s::text || g,
                   now() - (g %% 60) * interval '1 day' - (g %% 86400) * interval '1 second',
                   now()
            FROM generate_series(%s::bigint, %s::bigint) AS g""",
            [shopper.pk, KEY_PREFIX, start, start + count - 1],
        )
        cursor.execute(
            """
            INSERT INTO orders_orderpart (order_id, vendor_id, status, subtotal, weight_g,
                shipping_fee, cold_chain, carrier, tracking_number)
            SELECT o.id, p.vendor_id, 'delivered', p.price * (1 + o.id %% 3),
                   p.net_weight_g * (1 + o.id %% 3), 0, false, '', ''
            FROM orders_order o
            JOIN bench_products p ON p.n = 1 + (o.id * 7919) %% %s::bigint
            WHERE o.number LIKE 'BI%%' AND o.id > %s::bigint""",
            [products, last_order],
        )
        cursor.execute(
            """
            INSERT INTO orders_orderline (part_id, product_id, product_name, pack_size,
                unit_price, quantity, line_total, weight_g, discount, channel, category_id,
                origin_county_id)
            SELECT pt.id, p.id, p.name, p.pack_size, p.price, 1 + pt.order_id %% 3,
                   p.price * (1 + pt.order_id %% 3), p.net_weight_g * (1 + pt.order_id %% 3),
                   0, CASE WHEN pt.order_id %% 20 = 0 THEN %s::varchar ELSE '' END, p.category_id,
                   p.origin_county_id
            FROM orders_orderpart pt JOIN orders_order o ON o.id = pt.order_id
            JOIN bench_products p ON p.n = 1 + (o.id * 7919) %% %s::bigint
            WHERE o.number LIKE 'BI%%' AND o.id > %s::bigint""",
            [channel, products, last_order],
        )


def rebuild_all():
    started = time.monotonic()
    days = impact.days_to_rebuild()
    for day in days:
        impact.rebuild_day(day)
    cache.delete(BOARD_CACHE_KEY)
    return len(days), round(time.monotonic() - started, 1)


def figures_match():
    """The store-wide rollups equal the counted order lines (the slow way)."""
    lines = (
        OrderLine.objects.filter(part__order__status__in=impact.COUNTED_ORDER_STATUSES)
        .exclude(part__status="cancelled")
        .aggregate(orders=Count("part__order", distinct=True), weight=Sum("weight_g"))
    )
    rollup = DailySales.objects.filter(dimension=Dimension.ALL).aggregate(
        orders=Sum("orders"), weight=Sum("weight_g")
    )
    return (lines["orders"], lines["weight"]) == (rollup["orders"], rollup["weight"])


def queries(path):
    client = Client(HTTP_HOST="127.0.0.1")
    cache.delete(BOARD_CACHE_KEY)
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    return len(captured.captured_queries)


def measure(args, size):
    have = bench_lines().count()
    if have < size:
        log(f"adding {size - have:,} order lines")
        started = time.monotonic()
        add_orders(size - have, start=have + 1)
        log(f"  written in {time.monotonic() - started:.0f} s")
    days, seconds = rebuild_all()
    log(f"{size:,} lines: rebuilt {days} days in {seconds} s")
    with connection.cursor() as cursor:  # so that autovacuum does not run during the load
        cursor.execute(
            "VACUUM (ANALYZE) orders_order, orders_orderpart, orders_orderline, orders_dailysales"
        )
    result = {
        "order_lines": OrderLine.objects.count(),
        "bench_order_lines": bench_lines().count(),
        "rollup_rows": DailySales.objects.count(),
        "rebuild_days": days,
        "rebuild_seconds": seconds,
        "figures_match_orders": figures_match(),
        "pages": {},
    }
    for name, path in PAGES:
        # the better of two runs: another process on the machine can only slow one down
        runs = [wrk.summary(wrk.run(args.base + path, args), digits=2) for _ in range(2)]
        result["pages"][name] = {
            **min(runs, key=lambda run: run["p50_ms"]),
            "queries": queries(path),
        }
        log(f"  {path}: {result['pages'][name]}")
    return result


def clean():
    """Delete this benchmark's orders (lines, parts, then orders: the foreign keys have no
    ON DELETE in the database) and rebuild the days they were on."""
    deleted = bench_lines().count()
    with connection.cursor() as cursor:
        mine = "SELECT id FROM orders_order WHERE number LIKE 'BI%%' AND idempotency_key LIKE %s"
        cursor.execute(
            "DELETE FROM orders_orderline WHERE part_id IN (SELECT id FROM "
            f"orders_orderpart WHERE order_id IN ({mine}))",
            [KEY_PREFIX + "%"],
        )
        cursor.execute(
            f"DELETE FROM orders_orderpart WHERE order_id IN ({mine})", [KEY_PREFIX + "%"]
        )
        cursor.execute(f"DELETE FROM orders_order WHERE id IN ({mine})", [KEY_PREFIX + "%"])
        if deleted:  # give the space back: the next run's checkouts must not pay for it
            cursor.execute(
                "VACUUM (FULL, ANALYZE) orders_order, orders_orderpart, orders_orderline"
            )
    rebuild_all()
    return deleted


def main():
    parser = wrk.parser(__doc__.splitlines()[0], "impact.json")
    parser.add_argument(
        "--small", type=int, default=int(os.environ.get("BENCH_IMPACT_SMALL", 10_000))
    )
    parser.add_argument(
        "--large", type=int, default=int(os.environ.get("BENCH_IMPACT_LARGE", 1_000_000))
    )
    args = parser.parse_args()

    removed = clean()
    if removed:
        log(f"removed {removed:,} order lines of an earlier run")
    result = {"small": measure(args, args.small), "large": measure(args, args.large)}
    ratios = {
        name: round(
            result["large"]["pages"][name]["p50_ms"] / result["small"]["pages"][name]["p50_ms"], 2
        )
        for name, _ in PAGES
    }
    result.update(
        ratios=ratios,
        aim_ratio=AIM_RATIO,
        aim_met=all(r < AIM_RATIO for r in ratios.values())
        and result["small"]["figures_match_orders"]
        and result["large"]["figures_match_orders"],
    )
    log(f"latency ratios (p50, large / small): {ratios}; cleaning up")
    clean()
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0 if result["aim_met"] else 1


if __name__ == "__main__":
    sys.exit(main())

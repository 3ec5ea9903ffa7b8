"""Settlement at 1,000 shops and 100,000 then 1,000,000 ledger entries: a shop's
statement for a week and for a year, a payout run for every shop, and the books check,
each with its wall time and its SQL queries (which must not grow with the entries;
counted with an execute_wrapper).

    DATABASE_URL=postgres://…/hm_bench_settlement DEBUG=1 \\
        python -m bench.settlement --out bench/results/settlement.json

Run by bench/run.sh (BENCH_SETTLEMENT=1, the default; BENCH_ONLY=settlement runs only
it) on its PostgreSQL, after the pages; it measures functions, not pages, so it needs no
gunicorn. Or alone, as above, on any PostgreSQL database that `migrate` has made.

The data is written straight into PostgreSQL with INSERT … SELECT over generate_series:
1,000 shops (each with a bank account), bank-transfer orders of one part each over the
last year, confirmed (paid) and received, and for each part the five entries the hooks
book (sale, shipping fee, commission, and the release pair, available a week after
receipt): 20,000 parts for 100,000 entries, 200,000 for 1,000,000. Each shop's running
balance (ShopAccount) is the sum of its entries, as `post` keeps it, so the books check
has the same work as in production and must find them balanced. The payout run of the
small size pays the shops, so the large one's books hold payouts as well.

The shop's downloads of a year's statement (CSV and Excel, settlement/statement_files.py,
as its view streams them) are measured too.
"""

import argparse
import json
import os
import platform
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from catalog.models import County, Vendor  # noqa: E402
from settlement import selectors, statement_files  # noqa: E402
from settlement.books import check_books  # noqa: E402
from settlement.models import LedgerEntry  # noqa: E402
from settlement.services import payouts  # noqa: E402

SHOPS = 1000
ENTRIES_PER_PART = 5
SIZES = (100_000, 1_000_000)
SLUG_PREFIX = "bench-settle-"
NUMBER_PREFIX = "BS"
PAGE = 50  # the first page of a statement's entries
RUNS: list[int] = []  # the payout runs this benchmark made (deleted with its data)


def log(message):
    print(f"settlement: {message}", file=sys.stderr, flush=True)


def shops():
    """The benchmark's 1,000 shops, each with a bank account (made once)."""
    have = list(Vendor.objects.filter(slug__startswith=SLUG_PREFIX).order_by("pk"))
    if len(have) >= SHOPS:
        return have
    county = County.objects.order_by("pk").first()
    Vendor.objects.bulk_create(
        [
            Vendor(
                name=f"压测合作社{n:04d}",
                slug=f"{SLUG_PREFIX}{n:04d}",
                kind="cooperative",
                status="approved",
                county=county,
            )
            for n in range(len(have), SHOPS)
        ],
        batch_size=1000,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO settlement_bankaccount (vendor_id, payee, bank, branch,
                account_number, updated_at)
            SELECT v.id, v.name, '中国农业银行', '秭归支行', '622848' || lpad(v.id::text, 13, '0'),
                   now()
            FROM catalog_vendor v
            WHERE v.slug LIKE %s
              AND NOT EXISTS (SELECT 1 FROM settlement_bankaccount b WHERE b.vendor_id = v.id)""",
            [SLUG_PREFIX + "%"],
        )
    return list(Vendor.objects.filter(slug__startswith=SLUG_PREFIX).order_by("pk"))


def add_parts(count, start):
    """`count` paid and received bank-transfer orders of one part each, numbered from
    `start`, their confirmation events and their parts' five entries, then every shop's
    running balance raised by what was added (five INSERT … SELECT and one UPDATE)."""
    shopper, _ = get_user_model().objects.get_or_create(username="bench-settle-shopper")
    end = start + count - 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(id), max(id) FROM catalog_vendor WHERE slug LIKE %s", [SLUG_PREFIX + "%"]
        )
        first_shop, last_shop = cursor.fetchone()
        shop_count = last_shop - first_shop + 1
        # Placed over the last year; 60 to 400 yuan of goods, an 8 to 17 yuan fee.
        cursor.execute(
            """
            INSERT INTO orders_order (number, shopper_id, status, payment_method, address,
                mobile, total, shipping_fee, weight_g, idempotency_key, created_at, updated_at)
            SELECT %s || lpad(g::text, 12, '0'), %s, 'completed', 'bank_transfer', '{}'::jsonb,
                   '13900000000', 60 + g %% 341 + 8 + g %% 10, 8 + g %% 10, 1000,
                   'bench-settle-' || g,
                   now() - interval '4 days' - ((g * 7919) %% 31536000) * interval '1 second',
                   now()
            FROM generate_series(%s::bigint, %s::bigint) AS g""",
            [NUMBER_PREFIX, shopper.pk, start, end],
        )
        mine = "o.number LIKE 'BS%%' AND substr(o.number, 3)::bigint BETWEEN %s AND %s"
        cursor.execute(
            f"""
            INSERT INTO orders_orderpart (order_id, vendor_id, status, subtotal, weight_g,
                shipping_fee, cold_chain, carrier, tracking_number, shipped_at, delivered_at)
            SELECT o.id, %s::bigint + (o.id * 31) %% %s::bigint, 'delivered',
                   o.total - o.shipping_fee, 1000, o.shipping_fee, false, 'sf',
                   'SF' || o.id, o.created_at + interval '1 day', o.created_at + interval '3 days'
            FROM orders_order o WHERE {mine}""",
            [first_shop, shop_count, start, end],
        )
        cursor.execute(
            f"""
            INSERT INTO orders_orderevent (order_id, from_status, to_status, at, note)
            SELECT o.id, 'placed', 'confirmed', o.created_at + interval '40 minutes', ''
            FROM orders_order o WHERE {mine}""",
            [start, end],
        )
        # The hooks' entries: paid (waiting), then released at receipt, available a week on.
        cursor.execute(
            f"""
            INSERT INTO settlement_ledgerentry (vendor_id, kind, amount, available_at,
                booked_at, part_id, note)
            SELECT p.vendor_id, e.kind,
                   CASE e.kind
                     WHEN 'sale' THEN p.subtotal
                     WHEN 'shipping' THEN p.shipping_fee
                     WHEN 'commission' THEN -round(p.subtotal * 0.05, 2)
                     WHEN 'released_from' THEN -(p.subtotal + p.shipping_fee
                                                 - round(p.subtotal * 0.05, 2))
                     ELSE p.subtotal + p.shipping_fee - round(p.subtotal * 0.05, 2)
                   END,
                   CASE WHEN e.kind = 'released' THEN p.delivered_at + interval '7 days' END,
                   CASE WHEN e.kind IN ('released_from', 'released') THEN p.delivered_at
                        ELSE o.created_at + interval '40 minutes' END,
                   p.id, ''
            FROM orders_orderpart p JOIN orders_order o ON o.id = p.order_id
            CROSS JOIN (VALUES ('sale'), ('shipping'), ('commission'), ('released_from'),
                               ('released')) AS e(kind)
            WHERE {mine}
            ORDER BY 5, p.id""",
            [start, end],
        )
        cursor.execute(
            """
            INSERT INTO settlement_shopaccount (vendor_id, balance, version)
            SELECT v.id, 0, 0 FROM catalog_vendor v
            WHERE v.slug LIKE %s
              AND NOT EXISTS (SELECT 1 FROM settlement_shopaccount a WHERE a.vendor_id = v.id)""",
            [SLUG_PREFIX + "%"],
        )
        cursor.execute(
            f"""
            UPDATE settlement_shopaccount a
            SET balance = a.balance + added.total, version = a.version + added.n
            FROM (SELECT p.vendor_id, sum(e.amount) AS total, count(*) AS n
                  FROM settlement_ledgerentry e
                  JOIN orders_orderpart p ON p.id = e.part_id
                  JOIN orders_order o ON o.id = p.order_id
                  WHERE {mine}
                  GROUP BY p.vendor_id) AS added
            WHERE a.vendor_id = added.vendor_id""",
            [start, end],
        )
        cursor.execute(
            "VACUUM (ANALYZE) orders_order, orders_orderpart, orders_orderevent, "
            "settlement_ledgerentry, settlement_shopaccount"
        )


class QueryCount:
    """The SQL queries run inside it (CaptureQueriesContext keeps only the last 9,000:
    a payout run for 1,000 shops makes more)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def timed(function, repeat=3):
    """(result, best wall time in ms, SQL queries of one call)."""
    best, queries, result = None, None, None
    for _ in range(repeat):
        counter = QueryCount()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            result = function()
            elapsed = (time.perf_counter() - started) * 1000
        queries = counter.count
        best = elapsed if best is None else min(best, elapsed)
    return result, round(best, 1), queries


def statement_of(vendor_id, start, end):
    def read():
        statement = selectors.statement(vendor_id, start, end)
        entries = list(selectors.statement_entries(vendor_id, start, end)[:PAGE])
        return statement, entries

    return read


def export_of(vendor, start, end, kind):
    """The vendor's CSV or Excel download of the period, as its view makes it."""

    def export():
        report = selectors.statement(vendor.pk, start, end)
        if kind == "csv":
            return len("".join(statement_files.csv_lines(vendor, report)).encode())
        return len(statement_files.xlsx_file(vendor, report).read())

    return export


def explain_books():
    """EXPLAIN (ANALYZE) of each query of the books check, slowest first."""
    with CaptureQueriesContext(connection) as captured:
        check_books()
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query["sql"])
            plan = cursor.fetchone()[0][0]
            plans.append(
                {
                    "ms": round(plan["Execution Time"], 1),
                    "sql": query["sql"][:160],
                    "top": plan["Plan"]["Node Type"],
                }
            )
    return sorted(plans, key=lambda p: -p["ms"])


def measure(size):
    have = LedgerEntry.objects.filter(part__order__number__startswith=NUMBER_PREFIX).count()
    want_parts = size // ENTRIES_PER_PART
    have_parts = have // ENTRIES_PER_PART
    if have_parts < want_parts:
        log(f"adding {want_parts - have_parts:,} parts ({(want_parts - have_parts) * 5:,} entries)")
        started = time.monotonic()
        add_parts(want_parts - have_parts, start=have_parts + 1)
        load = round(time.monotonic() - started, 1)
        log(f"  written in {load} s")
    else:
        load = 0.0
    entries = LedgerEntry.objects.count()
    # The shop with the most entries, its statement for this week and the past year.
    busiest = (
        LedgerEntry.objects.filter(vendor__slug__startswith=SLUG_PREFIX)
        .values("vendor_id")
        .order_by()
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    vendor_id = busiest["vendor_id"]
    today = timezone.localdate()
    week = selectors.week_of(today - timedelta(days=14))
    year = (today - timedelta(days=365), today)
    result = {"entries": entries, "load_seconds": load, "shop_entries": busiest["n"]}
    for name, (start, end) in (("statement_week", week), ("statement_year", year)):
        (statement, page), ms, queries = timed(statement_of(vendor_id, start, end))
        result[name] = {
            "ms": ms,
            "queries": queries,
            "entries_in_period": statement.entry_count,
            "first_page": len(page),
        }
        log(f"  {name}: {result[name]}")
    vendor = Vendor.objects.get(pk=vendor_id)
    for kind in ("csv", "xlsx"):
        size, ms, queries = timed(export_of(vendor, *year, kind))
        result[f"export_year_{kind}"] = {"ms": ms, "queries": queries, "bytes": size}
        log(f"  export_year_{kind}: {result[f'export_year_{kind}']}")
    report, ms, queries = timed(check_books)
    result["check_books"] = {
        "ms": ms,
        "queries": queries,
        "balanced": report.balanced,
        "shops": report.shop_count,
        "entries": report.entry_count,
    }
    log(f"  check_books: {result['check_books']}")
    if not report.balanced:
        log(f"  the books do not balance: {report}")
    result["check_books_plans"] = explain_books()[:4]
    # A payout run for every shop (each has money available and a bank account).
    run, ms, queries = timed(lambda: payouts.create_run(Decimal("100.00"), by=None), repeat=1)
    RUNS.append(run.pk)
    result["payout_run"] = {
        "ms": ms,
        "queries": queries,
        "payouts": run.payouts.count(),
        "skipped": len(run.skipped),
    }
    log(f"  payout run: {result['payout_run']}")
    report = check_books()
    result["balanced_after_run"] = report.balanced
    return result


def clean():
    """Delete this benchmark's shops, orders and books (the database's foreign keys have
    no ON DELETE: children first), so the other benchmarks' pages and the impact board
    are as before."""
    shops_sql = "SELECT id FROM catalog_vendor WHERE slug LIKE %s"
    orders_sql = "SELECT id FROM orders_order WHERE number LIKE 'BS%%' AND idempotency_key LIKE 'bench-settle-%%'"
    pattern = [SLUG_PREFIX + "%"]
    with connection.cursor() as cursor:
        for table in (
            "settlement_ledgerentry",
            "settlement_payout",
            "settlement_shopaccount",
            "settlement_bankaccount",
            "settlement_bankaccountchange",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE vendor_id IN ({shops_sql})", pattern)
        cursor.execute("DELETE FROM settlement_payoutrun WHERE id = ANY(%s)", [RUNS])
        cursor.execute(f"DELETE FROM orders_orderevent WHERE order_id IN ({orders_sql})")
        cursor.execute(f"DELETE FROM orders_orderpart WHERE order_id IN ({orders_sql})")
        cursor.execute(f"DELETE FROM orders_order WHERE id IN ({orders_sql})")
        cursor.execute(f"DELETE FROM catalog_vendor WHERE id IN ({shops_sql})", pattern)
        cursor.execute(
            "VACUUM (FULL, ANALYZE) settlement_ledgerentry, orders_order, orders_orderpart, "
            "orders_orderevent"
        )


def machine():
    with open("/proc/cpuinfo") as cpuinfo:
        models = [
            line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")
        ]
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return {
        "cpu": models[0] if models else platform.processor(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "postgresql": version,
        "loadavg_start": open("/proc/loadavg").read().split()[:3],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="bench/results/settlement.json")
    parser.add_argument(
        "--sizes", default=",".join(str(s) for s in SIZES), help="entries, comma-separated"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the data (the next run measures it again)"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("settlement benchmark: PostgreSQL only (set DATABASE_URL)")
    started = time.monotonic()
    vendors = shops()
    results = {"machine": machine(), "shops": len(vendors), "sizes": {}}
    for size in (int(s) for s in args.sizes.split(",")):
        log(f"{size:,} entries")
        results["sizes"][str(size)] = measure(size)
    if not args.keep:
        log("deleting the benchmark's shops, orders and books")
        clean()
    results["elapsed_seconds"] = round(time.monotonic() - started)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    log(f"done in {results['elapsed_seconds']} s: {args.out}")
    ok = all(
        r["check_books"]["balanced"] and r["balanced_after_run"] for r in results["sizes"].values()
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

"""The pages that read many rows, at a catalog size: listing, deep page, filters, search.

    python -m bench.scale --base http://127.0.0.1:8765 --out bench/results/scale.json

Run by `BENCH_ONLY=scale BENCH_PRODUCTS=N bench/run.sh`, in the search benchmark's
database for that size (seeded once by `bench.search --seed N`), on a gunicorn that
caches no page (`CATALOG_PAGES_CACHED=0`): every request runs its queries and renders,
as a signed-in shopper's did before issue #23, and as any page does right after the
catalog changed. What is still cached is what any render may use: the taxonomy, the
price schedule, the filter fields, the facet counts (FACET_COUNTS_SECONDS) and the cards.

For each page: the first request after the catalog revision moved (nothing of the page
cached: the *cold* time), then one client at a time (wrk -c1: the server's own time),
then the run's connections. The floor ran first and last on the same gunicorn. The
slowest statements of a cold render are kept with their plans (EXPLAIN ANALYZE, BUFFERS)
for bench/analysis.md. The results of every size are kept in bench/scale-results.json
(committed: a run at one size leaves the others' rows), from which bench/report.py
writes the "## Catalog size" section.
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

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench import wrk  # noqa: E402
from bench.search import FLOOR, fetch, machine, measure, one_at_a_time  # noqa: E402
from bench.signed_in import signed_in_session  # noqa: E402
from catalog.models import Product  # noqa: E402
from catalog.revision import bump_catalog_revision  # noqa: E402
from catalog.search.query import AS_BEFORE, INDEX_ONLY  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
KEPT = ROOT / "bench" / "scale-results.json"
SHOPPER = "bench-scale-shopper"
# (label, path): the (#23) pages, the product page's filled in at run time.
PAGES = [
    ("Listing", "/products/"),
    ("Page 400", "/products/?page=400"),
    ("Filtered, sorted by price", "/products/?category=tea&county=enshi-city&sort=price"),
    ("Search `orange`", "/search/?q=orange"),
    ("Search `茶`", "/search/?q=%E8%8C%B6"),
    ("Product page", None),
]
PLANS_KEPT = 3  # the slowest statements of each cold render
CANDIDATES = "SELECT pk FROM (SELECT pk FROM ("  # catalog/search/query.py ranked_candidates


def log(message):
    print(f"scale: {message}", file=sys.stderr, flush=True)


def product_path():
    slug = Product.objects.visible().order_by("pk").values_list("slug", flat=True).first()
    return f"/products/{slug}/"


def cold_render(user, path):
    """(milliseconds, statements) of one render with nothing of it cached (the catalog
    revision moved first), in this process, and the plans of its slowest statements."""
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    bump_catalog_revision()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"scale: {path} answered {response.status_code}")
    slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:PLANS_KEPT]
    plans = []
    with transaction.atomic(), connection.cursor() as cursor:
        for query in slowest:
            # A search's candidates are read with its own planner settings.
            candidates = query["sql"].startswith(CANDIDATES)
            cursor.execute(INDEX_ONLY if candidates else AS_BEFORE)
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plans.append(
                {
                    "ms": round(float(query["time"]) * 1000, 1),
                    "sql": query["sql"],
                    "plan": "\n".join(row[0] for row in cursor.fetchall()),
                }
            )
    return round(elapsed, 1), len(captured.captured_queries), plans


def run(args):
    started = time.monotonic()
    user, cookie = signed_in_session(SHOPPER)
    products = Product.objects.count()
    visible = Product.objects.visible().count()
    log(f"{products:,} products ({visible:,} visible)")
    floor_start = measure(args.base + FLOOR, args)
    rows = []
    for label, path in PAGES:
        path = path or product_path()
        status, _body = fetch(args.base + path, cookie)
        if status != 200:
            raise SystemExit(f"scale: {path} answered {status}")
        cold_ms, statements, plans = cold_render(user, path)
        row = {"label": label, "path": path, "cold_ms": cold_ms, "queries": statements}
        row["single"] = measure(args.base + path, one_at_a_time(args), cookie)
        row.update(measure(args.base + path, args, cookie))
        row["plans"] = plans
        log(
            f"{label} {path}: cold {cold_ms} ms ({statements} queries); one at a time p50 "
            f"{row['single']['p50_ms']} ms; {row['rps']} req/s p99 {row['p99_ms']} ms"
        )
        rows.append(row)
    floor_end = measure(args.base + FLOOR, args)
    return {
        "products": products,
        "visible_products": visible,
        "floor": [floor_start, floor_end],
        "pages": rows,
        "wrk": f"wrk -t{args.threads} -c{args.connections} -d{args.duration}",
        "command": os.environ.get("BENCH_COMMAND", "python -m bench.scale"),
        "machine": machine(),
        "elapsed_seconds": round(time.monotonic() - started),
    }


def main():
    args = wrk.parser(__doc__, "scale.json").parse_args()
    result = run(args)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2))
    kept = json.loads(KEPT.read_text(encoding="utf-8")) if KEPT.exists() else {}
    kept[os.environ.get("BENCH_PRODUCTS", str(result["products"]))] = result
    KEPT.write_text(
        json.dumps(
            dict(sorted(kept.items(), key=lambda item: int(item[0]))), indent=2, ensure_ascii=False
        )
        + "\n",
        encoding="utf-8",
    )
    log(f"{args.out}; {KEPT} holds {', '.join(kept)}")


if __name__ == "__main__":
    main()

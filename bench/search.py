"""Search throughput: pinyin, synonym, typo and Chinese queries, rendered for a shopper.

    python -m bench.search --seed 20000        (the products first, in this database)
    python -m bench.search --base http://127.0.0.1:8765 --out bench/results/search.json

Run by `BENCH_ONLY=search bench/run.sh`, in a database of its own for each catalog size
(BENCH_SEARCH_DB, by default hubei_market_bench_search_<BENCH_PRODUCTS>), so a second run
at the same size reuses its products. Seeding uses the demo catalog (demo/catalog.py:
vendors in the real counties, products of the real specialties, every search field filled
by `fill_search_fields` and the words recorded by `record_search_words`) and nothing
else of seed_demo (no orders, promotions or books).

Every request is a signed-in shopper's (a real session cookie in wrk), on a gunicorn
that caches no page (bench/run.sh sets CATALOG_PAGES_CACHED=0), so the whole-page
cache never answers: each one runs the search and renders the results. The bare Django
view (/__floor__/) is measured first and last in the same run, on the same gunicorn.
For each query the visible products found and the SQL of one render (warm, after a
first one) are recorded too.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench import wrk  # noqa: E402
from bench.signed_in import signed_in_session  # noqa: E402
from catalog.models import Product  # noqa: E402
from catalog.search.query import query_words, search_products  # noqa: E402
from catalog.search.words import corrected_words  # noqa: E402
from demo import catalog as demo_catalog  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHOPPER = "bench-search-shopper"
# (kind, query): what shoppers type, in the words (#22).
QUERIES = [
    ("pinyin", "qicheng"),
    ("pinyin initials", "qc"),
    ("synonym", "橙子"),
    ("synonym", "龙虾"),
    ("typo", "crayfsh"),
    ("typo", "oragne"),
    ("two Chinese characters", "脐橙"),
    ("two Chinese characters", "茶叶"),
]
# Suggestions while typing (/search/suggest/, the htmx fragment the header box asks for):
# the issue asks under 50 ms at the server with 20,000 products, measured one request at
# a time (wrk -c1) as well as under the usual load.
SUGGESTIONS = ["qc", "脐橙", "zigui", "long"]
HTMX = "HX-Request: true"
FLOOR = "/__floor__/"
# A naive search on 200,000 products may take seconds a request: wrk waits that long
# for an answer before it counts a timeout (its default is 2 s).
TIMEOUT = "10s"


def log(message):
    print(f"search: {message}", file=sys.stderr, flush=True)


def search_path(query):
    return "/search/?" + urllib.parse.urlencode({"q": query})


def seed(count):
    """Demo vendors, `count` demo products (with their search fields and words) and the
    keyword landings; what exists already is kept. (products created, seconds)"""
    started = time.monotonic()
    demo_catalog.seed_reference_data()
    vendors = demo_catalog.seed_vendors()
    created = demo_catalog.seed_products(count, vendors)
    demo_catalog.seed_landings()
    if created and connection.vendor == "postgresql":
        # What autovacuum does to a store's table in time: statistics for the planner and
        # the visibility map, without which no listing is read from an index alone.
        with connection.cursor() as cursor:
            cursor.execute(f'VACUUM (ANALYZE) "{Product._meta.db_table}"')
    return created, round(time.monotonic() - started, 1)


def fetch(url, cookie, headers=None):
    """(status, body) of one GET as the signed-in shopper, redirects not followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(
        url, headers={"Cookie": f"sessionid={cookie}", **(headers or {})}
    )
    try:
        with opener.open(request, timeout=300) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


def found(query):
    """How many visible products the results page lists: the search's, or when it finds
    none, those of its misspellings corrected (catalog/views.py rescue_search)."""
    count = search_products(Product.objects.visible(), query).count()
    if count:
        return count
    corrected = " ".join(corrected_words([word.text for word in query_words(query)]))
    return search_products(Product.objects.visible(), corrected).count()


def queries_per_render(user, path, htmx=False):
    """SQL of one render as the signed-in shopper, the second one (caches warm)."""
    client = Client(HTTP_HOST="127.0.0.1", **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
    client.force_login(user)
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    return len(captured.captured_queries)


def measure(url, args, cookie=None, extra_headers=()):
    headers = [f"Cookie: sessionid={cookie}"] if cookie else []
    summary = wrk.summary(wrk.run(url, args, headers=[*headers, *extra_headers], timeout=TIMEOUT))
    drain(url.split("/", 3)[:3])
    return summary


def drain(origin, most_seconds=300):
    """Wait until the workers have answered what wrk left queued: a sync worker still
    renders a request whose client gave up (a search slower than the timeout), and the
    next measurement must not read that backlog. Done when the floor answers at once."""
    base = "/".join(origin)
    deadline = time.monotonic() + most_seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            with urllib.request.urlopen(base + FLOOR, timeout=30):
                pass
        except OSError:
            continue
        if time.monotonic() - started < 0.5:
            return
    log(f"the workers were still busy after {most_seconds} s")


def one_at_a_time(args):
    return argparse.Namespace(**{**vars(args), "threads": 1, "connections": 1})


def suggestion_path(query):
    return f"{reverse('catalog:search_suggest')}?{urllib.parse.urlencode({'q': query})}"


def measure_suggestions(args, user, cookie):
    """Each suggestion query: one request at a time (the server's own latency), then
    under the run's connections."""
    rows = []
    for query in SUGGESTIONS:
        path = suggestion_path(query)
        status, body = fetch(args.base + path, cookie, {"HX-Request": "true"})
        if status != 200 or 'role="option"' not in body:
            raise SystemExit(f"search: {path} answered {status} without suggestions")
        single = measure(args.base + path, one_at_a_time(args), cookie, [HTMX])
        loaded = measure(args.base + path, args, cookie, [HTMX])
        row = {
            "kind": "suggestions",
            "query": query,
            "path": path,
            "options": body.count('role="option"'),
            "queries": queries_per_render(user, path, htmx=True),
            "single": single,
            **loaded,
        }
        log(
            f"suggest {query}: {row['options']} options, one at a time p50 "
            f"{single['p50_ms']} ms p99 {single['p99_ms']} ms; {loaded['rps']} req/s"
        )
        rows.append(row)
    return rows


def machine():
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgresql = cursor.fetchone()[0]
    return {
        "cores": os.cpu_count(),
        "postgresql": postgresql,
        "commit": commit,
        "gunicorn": os.environ.get("BENCH_GUNICORN_ARGS", ""),
        "loadavg_start": Path("/proc/loadavg").read_text().split()[:3],
    }


def run(args):
    started = time.monotonic()
    sign_out = f'action="{reverse("logout")}"'  # only a signed-in page has the form
    user, cookie = signed_in_session(SHOPPER)
    products = Product.objects.count()
    visible = Product.objects.visible().count()
    log(f"{products:,} products ({visible:,} visible)")
    rows = []
    for kind, query in QUERIES:
        path = search_path(query)
        status, body = fetch(args.base + path, cookie)
        if status != 200 or sign_out not in body:
            # Signed in, rendered: anything else would measure another page.
            raise SystemExit(f"search: {path} answered {status}, signed in: {sign_out in body}")
        rows.append(
            {
                "kind": kind,
                "query": query,
                "path": path,
                "status": status,
                "found": found(query),
                "queries": queries_per_render(user, path),
            }
        )
    floor_start = measure(args.base + FLOOR, args)
    log(f"floor {floor_start['rps']} req/s")
    for row in rows:
        # One request at a time first (the server's own time for one search), then under
        # the run's connections (where a slow search queues and may time out).
        row["single"] = measure(args.base + row["path"], one_at_a_time(args), cookie)
        row.update(measure(args.base + row["path"], args, cookie))
        log(
            f"{row['kind']} {row['query']}: {row['found']} found, one at a time p50 "
            f"{row['single']['p50_ms']} ms; {row['rps']} req/s, p99 {row['p99_ms']} ms, "
            f"{row['queries']} queries, {row['errors']} errors"
        )
    suggestions = measure_suggestions(args, user, cookie)
    floor_end = measure(args.base + FLOOR, args)
    log(f"floor {floor_end['rps']} req/s")
    return {
        "suggestions": suggestions,
        "products": products,
        "visible_products": visible,
        "floor": [floor_start, floor_end],
        "queries": rows,
        "wrk": f"wrk -t{args.threads} -c{args.connections} -d{args.duration} --timeout {TIMEOUT}",
        "command": os.environ.get("BENCH_COMMAND", "python -m bench.search"),
        "machine": machine(),
        "elapsed_seconds": round(time.monotonic() - started),
        "run": uuid.uuid4().hex[:8],
    }


def main():
    parser = wrk.parser(__doc__.split("\n\n")[0], "search.json")
    parser.add_argument("--seed", type=int, help="Seed this many demo products, then stop.")
    args = parser.parse_args()
    if args.seed is not None:
        created, seconds = seed(args.seed)
        log(f"{created:,} new products in {seconds} s ({args.seed:,} wanted)")
        return
    if not args.base.startswith("http://127.0.0.1"):
        raise SystemExit("search: only http://127.0.0.1 is allowed")
    data = run(args)
    connection.close()
    Path(args.out).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")
    log(f"written {args.out}")


if __name__ == "__main__":
    main()

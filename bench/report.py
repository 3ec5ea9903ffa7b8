"""Turn one `bench/run.sh` run into bench/results/latest.json and BENCHMARKS.md.

    python -m bench.report bench/results
    python -m bench.report --from-json bench/results/latest.json

Reads the wrk outputs (wrk-<page>.txt, each ending in the BENCH_JSON line that
bench/wrk_report.lua prints), the Redis counters around each run (redis-<page>.txt),
queries.json from bench/count_queries.py, orders.json from bench/orders.py (when the
orders ran), and the run's settings from the BENCH_* environment run.sh exports. bench/analysis.md, when present, is copied into the report
under "Analysis": the hand-written reading of the numbers.
"""

import json
import os
import platform
import re
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from bench.pages import PAGES  # noqa: E402
from bench.wrk import rendered_share  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# Cold, the promotion schedule included (2 queries, then cached); warm pages run none.
MAX_QUERIES = 10
LISTING_AIM = 0.40
# Issue #23: a signed-in shopper's listing, search and product page, each.
SIGNED_IN_AIM = 0.20
SIGNED_IN_PAGES = ("listing", "search", "product")
BENCH_LINE = re.compile(r"^BENCH_JSON (\{.*\})\s*$", re.MULTILINE)


def _run(*command):
    try:
        return subprocess.run(
            command, capture_output=True, text=True, check=False, cwd=ROOT, timeout=20
        ).stdout.strip()
    except OSError:
        return ""


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib():
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def environment():
    import gunicorn
    import psycopg
    import redis

    from catalog.models import Product

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    try:
        redis_version = redis.Redis.from_url(os.environ["REDIS_URL"]).info()["redis_version"]
    except Exception:  # noqa: BLE001 - informational only
        redis_version = "unknown"
    wrk_version = _run("wrk", "-v").splitlines()
    commit = _run("git", "rev-parse", "--short", "HEAD")
    dirty = bool(_run("git", "status", "--porcelain", "--untracked-files=no"))
    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gib": _memory_gib(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "psycopg": psycopg.__version__,
        "postgresql": pg_version,
        "redis": redis_version,
        "wrk": wrk_version[0].split(" Copyright")[0] if wrk_version else "unknown",
        "git_commit": commit + ("+uncommitted changes" if dirty else ""),
        "products": Product.objects.count(),
        "visible_products": Product.objects.visible().count(),
        "loadavg_start": os.environ.get("BENCH_LOADAVG_START", ""),
        "loadavg_end": os.environ.get("BENCH_LOADAVG_END", ""),
    }


def read_wrk(path):
    match = BENCH_LINE.search(path.read_text())
    if not match:
        raise SystemExit(f"report: no BENCH_JSON line in {path}")
    raw = json.loads(match.group(1))
    seconds = raw["duration_us"] / 1e6
    errors = raw["errors"]
    return {
        "requests": int(raw["requests"]),
        "seconds": round(seconds, 2),
        "rps": round(raw["requests"] / seconds, 1),
        "p50_ms": round(raw["latency_us"]["p50"] / 1000, 2),
        "p90_ms": round(raw["latency_us"]["p90"] / 1000, 2),
        "p99_ms": round(raw["latency_us"]["p99"] / 1000, 2),
        "mean_ms": round(raw["latency_us"]["mean"] / 1000, 2),
        "max_ms": round(raw["latency_us"]["max"] / 1000, 2),
        "transfer_kib_per_request": round(raw["bytes"] / max(raw["requests"], 1) / 1024, 1),
        "errors": errors,
        "error_count": int(sum(errors.values())),
        **rendered_share(raw),
    }


def read_redis(path, requests):
    """Cache GETs per request and the hit ratio, from the counters around one wrk run."""
    if not path.exists():
        return {"cache_gets_per_request": None, "cache_hit_ratio": None}
    hits_before, misses_before, hits_after, misses_after = map(int, path.read_text().split())
    hits, misses = hits_after - hits_before, misses_after - misses_before
    return {
        "cache_gets_per_request": round((hits + misses) / max(requests, 1), 2),
        "cache_hit_ratio": round(hits / (hits + misses), 4) if hits + misses else None,
    }


def read_runs(results_dir, name):
    """Every round's run of one page, in round order."""
    runs = []
    for path in sorted(results_dir.glob(f"wrk-{name}-r*.txt"), key=_round_number):
        measured = read_wrk(path)
        redis_path = results_dir / path.name.replace("wrk-", "redis-", 1)
        runs.append(
            measured | {"round": _round_number(path)} | read_redis(redis_path, measured["requests"])
        )
    if not runs:
        raise SystemExit(f"report: no wrk-{name}-r*.txt in {results_dir}")
    return runs


def _round_number(path):
    return int(path.stem.rsplit("-r", 1)[1])


def _best(runs):
    """The fastest run: interference from other processes only ever slows a run."""
    best = max(runs, key=lambda run: run["rps"])
    return best | {"rps_all_rounds": [run["rps"] for run in runs]}


def build(results_dir):
    queries = json.loads((results_dir / "queries.json").read_text(encoding="utf-8"))
    floor_runs = sorted(
        read_runs(results_dir, "floor") + read_runs(results_dir, "floor_end"),
        key=lambda run: run["round"],
    )
    pages = {}
    for name, label, url in PAGES:
        counted = queries[name]
        runs = floor_runs if name == "floor" else read_runs(results_dir, name)
        pages[name] = {
            "label": label,
            "url": url,
            **_best(runs),
            "queries_cold": counted["queries_cold"],
            "queries_warm": counted["queries_warm"],
            "html_bytes": counted["bytes"],
            "sql_cold": counted["sql_cold"],
            "sql_warm": counted["sql_warm"],
        }
        if name != "floor":
            pages[name]["signed_in"] = _best(read_runs(results_dir, f"signed_{name}"))
    floor_rps = pages["floor"]["rps"]
    for page in pages.values():
        page["fraction_of_floor"] = round(page["rps"] / floor_rps, 3)
        if "signed_in" in page:
            signed_in = page["signed_in"]
            signed_in["fraction_of_floor"] = round(signed_in["rps"] / floor_rps, 3)
    shop_pages = [name for name, _label, _url in PAGES if name != "floor"]
    aims = {
        "max_queries_per_page": MAX_QUERIES,
        "queries_within_limit": all(
            pages[name]["queries_cold"] <= MAX_QUERIES for name in shop_pages
        ),
        "listing_fraction_aim": LISTING_AIM,
        "listing_fraction": pages["listing"]["fraction_of_floor"],
        "listing_meets_aim": pages["listing"]["fraction_of_floor"] >= LISTING_AIM,
        "signed_in_fraction_aim": SIGNED_IN_AIM,
        "signed_in_fractions": {
            name: pages[name]["signed_in"]["fraction_of_floor"] for name in SIGNED_IN_PAGES
        },
    }
    aims["signed_in_meets_aim"] = all(
        fraction >= SIGNED_IN_AIM for fraction in aims["signed_in_fractions"].values()
    )
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "elapsed_seconds": int(os.environ.get("BENCH_ELAPSED_SECONDS", "0")),
        "command": os.environ.get("BENCH_COMMAND", "bench/run.sh"),
        "config": {
            "products": int(os.environ.get("BENCH_PRODUCTS", "0")),
            "gunicorn": os.environ.get("BENCH_GUNICORN_ARGS", ""),
            "worker_class": os.environ.get("BENCH_WORKER_CLASS", ""),
            "workers": int(os.environ.get("BENCH_WORKERS", "0")),
            "rounds": int(os.environ.get("BENCH_ROUNDS", "1")),
            "wrk": (
                f"wrk -t{os.environ.get('BENCH_WRK_THREADS')} "
                f"-c{os.environ.get('BENCH_CONNECTIONS')} "
                f"-d{os.environ.get('BENCH_DURATION')} --latency"
            ),
            "database": "PostgreSQL, database " + os.environ.get("BENCH_DB", ""),
            "cache": f"Redis db {os.environ.get('BENCH_REDIS_DB', '')} (RedisCache)",
        },
        "environment": environment(),
        "floor": {
            "rps_best": floor_rps,
            "rps_runs": [run["rps"] for run in floor_runs],
        },
        "aims": aims,
        "pages": pages,
        "orders": _orders(results_dir),
        "promotions": _read_json(results_dir / "promotions.json"),
        "churn": _read_json(results_dir / "churn.json"),
        "livestream": _read_json(results_dir / "livestream.json"),
        "impact": _read_json(results_dir / "impact.json"),
        "payments": _read_json(results_dir / "payments.json"),
        "settlement": _read_json(results_dir / "settlement.json"),
    }


def _read_json(path):
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _promotions_section(promotions):
    if not promotions:
        return ["", "## Promotions", "", "Not measured in this run (`BENCH_PROMOTIONS=0`)."]
    lines = [
        "",
        "## Promotions",
        "",
        f"The same gunicorn, with no promotion running and then with {promotions['count']} "
        "running at once (scoped to categories, counties, vendors and lists of products, as "
        "staff set them). Anonymous and signed-in shoppers share the whole-page cache (since "
        "issue #23; the signed-in header is filled in per request). `bench/promotions.py`"
        "; `BENCH_PROMOTIONS=0` skips it.",
        "",
        "| Page | Shopper | none: req/s | p99 | "
        f"{promotions['count']} running: req/s | p99 | change | SQL per render (none → "
        f"{promotions['count']}) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for page, label in (("listing", "Listing `/products/`"), ("product", "Product page")):
        none, many = promotions["none"][page], promotions["running"][page]
        for mode, mode_label in (
            ("anonymous", "anonymous (cached)"),
            ("signed_in", "signed in (cached)"),
        ):
            a, b = none[mode], many[mode]
            change = (b["rps"] - a["rps"]) / a["rps"] * 100 if a["rps"] else 0
            sql = (
                f"{none['queries_signed_in_cold']} → {many['queries_signed_in_cold']}"
                if mode == "signed_in"
                else "0 (cached)"
            )
            lines.append(
                f"| {label} | {mode_label} | {a['rps']:,.1f} | {a['p99_ms']:.0f} ms | "
                f"{b['rps']:,.1f} | {b['p99_ms']:.0f} ms | {change:+.1f} % | {sql} |"
            )
    lines += [
        "",
        "The SQL count is of a render right after the catalog changed (the promotion "
        "schedule rebuilt: one query for the promotions, one UNION for their scopes); "
        "otherwise the schedule comes from Redis or the worker's memory. Either way it "
        "does not grow with the products on the page.",
    ]
    return lines


CHURN_AIM_PCT = 10


def _churn_section(churn, command="bench/run.sh"):
    """The "## Churn" section: the anonymous listing while the catalog changes."""
    if not churn:
        return ["", "## Churn", "", "Not measured in this run (`BENCH_CHURN=0`)."]
    floors = " and ".join(f"{run['rps']:,.0f}" for run in churn["floor"])
    lines = [
        "",
        "## Churn",
        "",
        f"The anonymous listing `{churn['page']}` under wrk while a writer in another process "
        "changes the catalog through the services a vendor's dashboard calls, at a steady "
        "rate: a stock change (`adjust_stock` ±1) and a price change (`save_product`, ±¥0.01) "
        f"in turn, each to one of the {churn['products_written']} products the page shows, so "
        "every write makes that page stale (the worst case for narrow invalidation). Each "
        "rate ran beside a run without writes; the floor ran first and last "
        f"({floors} req/s). `bench/churn.py`; `BENCH_ONLY=churn` runs it alone; command: "
        f"`{command}`.",
        "",
        f"Each rate ran {churn.get('rounds', 1)} times in turn with a run without writes "
        f"({churn.get('duration', '')} each); the table gives the medians.",
        "",
        "| Writes a second (done) | without writes: req/s | with: req/s | p99 without → with "
        "| Rendered | Cards replaced | Given the page as it was | cost | write p50 "
        f"| aim: at most {CHURN_AIM_PCT} % |",
        "| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for run in churn["runs"]:
        cost = run["cost_pct"]
        rate = run["writes_per_second"]
        aim = "–" if rate != 10 else _yes(cost <= CHURN_AIM_PCT)
        lines.append(
            f"| {rate} ({run['writes_done_per_second']}) | {run['quiet_rps']:,.0f} | "
            f"{run['busy_rps']:,.0f} | {run['quiet_p99_ms']:.1f} → {run['busy_p99_ms']:.1f} ms "
            f"| {run['busy_rendered_pct']:.2f}% | {run['busy_cards_pct']:.2f}% | "
            f"{run['busy_stale_pct']:.2f}% | {cost:+.1f} % | {run['busy_write_ms_p50']:.1f} ms "
            f"| {aim} |"
        )
    lines += [
        "",
        "A cost below zero is the noise between runs of the same load. *Rendered*: the "
        "share of answers rendered again (a price change: the page's ids, count and frame; "
        "the cards and facet counts from the cache). *Cards replaced*: the stored page with "
        "the changed product's card rendered again and put in place (a stock change). "
        "*Given the page as it was*: answered while another worker rendered it. The writer "
        "runs on the same two CPUs, so its own work (about the write p50 of CPU for each) "
        "is part of the cost.",
    ]
    return lines


def _livestream_section(live):
    if not live:
        return [
            "",
            "## Livestream counters",
            "",
            "Not measured in this run (`BENCH_LIVESTREAM=0`).",
        ]
    e, m = live["endpoint"], live["machines"]
    rows = live["estimator"]
    lines = [
        "",
        "## Livestream counters",
        "",
        "Each viewer's stream page polls `/live/<slug>/counters/` every "
        f"{m['poll_seconds']} s: the poll is that viewer's heartbeat and returns watching now, "
        "unique viewers, and orders and weight sold from the stream. `bench/livestream.py` "
        f"drives it with wrk (`bench/heartbeat.lua`) as viewers drawn from "
        f"{live['viewer_pool']:,} distinct ids, on the same gunicorn (2 sync workers) and "
        "Redis as the pages; `BENCH_LIVESTREAM=0` skips it, `BENCH_VIEWER_POOL` and "
        "`BENCH_HLL_VIEWERS` set the audiences.",
        "",
        "| Endpoint | req/s | p50 | p99 | max | errors | SQL per warm poll | CPU per poll |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        f"| `{live['path']}` | {e['rps']:,.1f} | {e['p50_ms']} ms | {e['p99_ms']} ms | "
        f"{e['max_ms']} ms | {e['errors']} | {live['warm_poll_queries']} | "
        f"{_cpu_fine(e['cpu_ms_per_poll'])} |",
        "",
        f"After the run the stream's counters read {live['after_load']['watching']:,} "
        f"watching now and {live['after_load']['unique_viewers']:,} unique viewers.",
        "",
        "Unique viewers at scale: the same distinct viewer ids (16 hex digits, like the "
        "viewer cookie) into Redis's HyperLogLog (PFADD, production) and into the Python "
        'one kept in the cache without Redis (embedded default). "Watching now" is exact: '
        "a sorted set of the viewers seen in the last 30 s, shown for its memory.",
        "",
        "| Viewers | Redis PFCOUNT | error | memory | Python HLL | error | memory | "
        "watching-now set |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row['viewers']:,} | {row['redis_estimate']:,} | {row['redis_error']:+.2%} | "
            f"{row['redis_bytes']:,} B | {row['python_estimate']:,} | "
            f"{row['python_error']:+.2%} | {row['python_bytes']:,} B | "
            f"{row['watching_zset_bytes'] / 1e6:,.1f} MB |"
        )
    last = rows[-1]
    lines += [
        "",
        f"- Aim, within {live['aim_error']:.0%} at {last['viewers']:,} viewers with constant "
        f"memory: {_yes(live['aim_met'])} (Redis {last['redis_error']:+.2%}, Python "
        f"{last['python_error']:+.2%}; {last['redis_bytes']:,} bytes in Redis from 10,000 "
        "viewers on, the dense encoding; below that Redis keeps a smaller sparse one).",
        f"- A {m['viewers']:,}-viewer stream polling every {m['poll_seconds']} s is "
        f"{m['polls_per_second']:,} polls/s. At {m['web_cpu_ms_per_poll']} ms of gunicorn CPU "
        f"per poll that is {m['web_cores']:,} cores: **{m['web_machines']} web machines of 2 "
        f"cores** kept at 70 % CPU ({m['web_machines_by_rps']} by this machine's req/s alone, "
        "which shares its CPUs with wrk and Redis). Redis: each web process writes its "
        "viewers' heartbeats in one pipeline and reads the counters at most once a second "
        "(`STREAM_COUNTER_BATCH_SECONDS`), so Redis sees about 2 round trips per process per "
        "second (a few hundred per second for the whole fleet), not one per viewer: "
        f"{m['redis_cpu_ms_per_poll']} ms of Redis CPU per poll here, {m['redis_cores']} "
        "cores at that rate, so one Redis is enough. Its memory is the watching-now set, "
        "about 150 MB at 1.25 million viewers, and 14 KB for the unique-viewer count. "
        "PostgreSQL sees two queries per stream every few seconds (the stream and its sales, "
        "shared through the cache).",
    ]
    return lines


def _impact_section(impact):
    if not impact:
        return ["", "## Impact board", "", "Not measured in this run (`BENCH_IMPACT=0`)."]
    lines = [
        "",
        "## Impact board",
        "",
        "`/impact/` at two sizes of order history. `bench/impact.py` writes one-line orders "
        "straight into PostgreSQL (`INSERT … SELECT generate_series`; confirmed or "
        "completed, over the last 60 days, across every product on sale, 5 % from a "
        "livestream), rebuilds the daily rollups with `orders.impact.rebuild_day` (what beat "
        "and `manage.py rebuild_impact` run), checks them against the order lines, runs "
        "VACUUM ANALYZE (so that autovacuum does not compete with the load), then loads the "
        "page with wrk on the same gunicorn, twice, keeping the better run. *Served* is the page as visitors get "
        "it (whole page cached for `IMPACT_CACHE_SECONDS`, 60 s); *recomputed* "
        "(`/__impact_uncached__/`, bench only) builds the board from the rollups and renders "
        "it on every request, which is what each minute's first visitor pays. The "
        "benchmark's orders are deleted afterwards. `BENCH_IMPACT=0` skips it; "
        "`BENCH_IMPACT_SMALL`, `BENCH_IMPACT_LARGE` set the sizes.",
        "",
        "| Order lines | Rollup rows | Rebuild (all days) | Rollups = orders | Page | req/s | "
        "p50 | p99 | SQL |",
        "| ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for size in ("small", "large"):
        run = impact[size]
        for name, label in (
            ("served", "served `/impact/`"),
            ("recomputed", "recomputed every request"),
        ):
            page = run["pages"][name]
            lines.append(
                f"| {run['order_lines']:,} | {run['rollup_rows']:,} | "
                f"{run['rebuild_days']:,} days in {run['rebuild_seconds']} s | "
                f"{_ok(run['figures_match_orders'])} | {label} | {page['rps']:,.1f} | "
                f"{page['p50_ms']} ms | {page['p99_ms']} ms | {page['queries']} |"
            )
    ratios = impact["ratios"]
    lines += [
        "",
        f"- Aim, the page's latency at {impact['large']['order_lines']:,} order lines within "
        f"{impact['aim_ratio']} times that at {impact['small']['order_lines']:,}: "
        f"{_yes(impact['aim_met'])} (p50 ratio: served {ratios['served']}, recomputed "
        f"{ratios['recomputed']}). The page reads only the rollups, a few hundred rows per "
        "day at most whatever the number of orders, in 7 queries "
        "(`tests/orders/test_impact_board.py` pins them).",
    ]
    return lines


def _cpu_fine(per_program):
    shown = {
        name: ms
        for name, ms in per_program.items()
        if name in ("gunicorn", "redis-server", "postgres", "wrk")
    }
    return ", ".join(f"{name} {ms:.3f} ms" for name, ms in shown.items()) or "not measured"


def _orders(results_dir):
    path = results_dir / "orders.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _orders_section(orders):
    if not orders:
        return ["", "## Orders", "", "Not measured in this run (`BENCH_ORDERS=0`)."]
    t, r = orders["throughput"], orders["race"]
    tc, rc = t["checks"], r["checks"]
    units = ", ".join(
        f"#{pid}: {tc['stock_taken'][pid]} / {tc['units_ordered'][pid]}"
        for pid in tc["stock_taken"]
    )
    errors = json.dumps(t["error_details"], ensure_ascii=False) if t["errors"] else "none"
    return [
        "",
        "## Orders",
        "",
        "Checkouts over HTTP on the same gunicorn, right after the pages, with one Celery "
        "worker (`--concurrency=1`) rendering and sending the notifications on the same 2 "
        "CPUs. `bench/orders.py` makes fresh buyers (user, address, cart of 1–2 products, a "
        "signed-in session, in Redis as it is once a shopper has browsed); wrk "
        "(`bench/checkout.lua`) POSTs their checkouts (`cod`, a fresh idempotency key each, "
        "every buyer once) on its connections for the duration (gunicorn's sync workers close "
        "each one after its answer, so wrk reconnects); then the database is checked. This "
        f"runs {len(orders.get('throughput_rounds', [1]))} times with fresh buyers and the "
        "best round is reported, since another process on the machine can only slow a round "
        "down; every round must pass the checks. The race uses Python threads released "
        "together by a barrier, each buyer having fetched its checkout form first.",
        "",
        "Reproduce: `bench/run.sh` (on by default; `BENCH_ORDERS=0` skips it; "
        "`BENCH_ORDER_ROUNDS`, `BENCH_ORDER_BUYERS`, `BENCH_ORDER_DURATION`, "
        "`BENCH_ORDER_CONNECTIONS`, "
        "`BENCH_ORDER_PRODUCTS`, `BENCH_RACE_STOCK`, "
        "`BENCH_RACE_BUYERS`, "
        "`BENCH_RACE_THREADS`). Raw results: `bench/results/orders.json`.",
        "",
        "| Run | Buyers | Connections | Orders | Sold out | Errors | Orders/s | p50 | p99 | max |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| Throughput ({t['vendors']} products of different vendors, "
        f"{t['lines_per_order']} lines per order) | {t['buyers']:,} | {t['threads']} | "
        f"{t['ordered']:,} | {t['sold_out']} | {t['errors']} | {t['orders_per_second']:,.1f} "
        f"| {t['p50_ms']:.0f} ms | {t['p99_ms']:.0f} ms | {t['max_ms']:.0f} ms |",
        f"| Race for the last {r['stock']} units | {r['buyers']:,} | {r['threads']} | "
        f"{r['ordered']:,} | {r['sold_out']} | {r['errors']} | {r['orders_per_second']:,.1f} "
        f"| {r['p50_ms']:.0f} ms | {r['p99_ms']:.0f} ms | {r['max_ms']:.0f} ms |",
        "",
        f"- Throughput rounds, orders/s: {_rounds(orders)}; the table shows the best. The "
        "floor (the bare Django view on the same gunicorn for 3 s right before the round) "
        "shows how fast the shared host was at that moment.",
        f"- Throughput: {t['ordered']:,} orders answered in {t['seconds']} s of POSTs; orders "
        f"in the database {tc['orders_created']:,} (those answered, plus at most one per "
        f"connection still in flight when wrk stopped; no buyer sent twice): "
        f"{_ok(tc['orders_match_successful_posts'])}. Stock taken / units ordered per "
        f"product: {units}; zero oversell: {_ok(tc['zero_oversell'])}; stock never "
        f"negative: {_ok(tc['stock_never_negative'])}. Errors: {errors}.",
        f"- Race: {r['buyers']} buyers with one unit each, released together by a barrier, "
        f"for {r['stock']} units: {rc['orders_created']} orders, {rc['units_sold']} units "
        f"sold, stock after {rc['stock_after']}, {r['sold_out']} refusals showing "
        f'"sold out": {_ok(rc["passed"])}.',
        f"- Notifications of these orders by state a few seconds after the last POST: "
        f"{json.dumps(orders['notifications'])} (the worker delivers them in the background).",
        f"- CPU per order answered, by program (from /proc during the POSTs): "
        f"{_cpu(t.get('cpu_ms_per_order', {}))}; the whole machine was busy "
        f"{t.get('machine_cpu_ms_per_order', '?')} ms per order ({os.cpu_count()} CPUs give "
        f"{os.cpu_count() * 1000:,} ms a second, so that is at most "
        f"{_per_second(t.get('machine_cpu_ms_per_order'))} orders/s).",
        f"- Aim, {orders['aim_orders_per_second']} orders/s on 2 CPUs: "
        f"{_yes(orders['aim_met'])} ({t['orders_per_second']:,.1f}).",
    ]


def _cpu(per_program):
    if not per_program:
        return "not measured"
    total = sum(per_program.values())
    parts = ", ".join(f"{name} {ms:.1f} ms" for name, ms in per_program.items())
    return f"{parts}; {total:.1f} ms in all"


def _rounds(orders):
    rounds = orders.get("throughput_rounds", [])
    if not rounds:
        return "one"
    floors = orders.get("throughput_round_floors")
    shown = (
        ", ".join(f"{x:,.1f}" for x in rounds)
        if not floors
        else ", ".join(
            f"{x:,.1f} (floor {f:,.0f} req/s)" for x, f in zip(rounds, floors, strict=True)
        )
    )
    return shown + f"; median {statistics.median(rounds):,.1f}"


def _per_second(ms_per_order):
    return f"{os.cpu_count() * 1000 / ms_per_order:,.0f}" if ms_per_order else "?"


OUR_PROGRAMS = ("gunicorn", "postgres", "celery", "redis-server", "bench.payments", "wrk")


def _cpu_ours(per_program):
    """The benchmark's own programs' CPU ms (others sharing the host are left out)."""
    shown = {name: ms for name, ms in per_program.items() if name in OUR_PROGRAMS}
    return ", ".join(f"{name} {ms:.1f} ms" for name, ms in shown.items()) or "not measured"


def _payments_section(payments, env, command):
    if not payments:
        return ["", "## Payments", "", "Not measured in this run (`BENCH_PAYMENTS=0`)."]
    paid, unpaid, note = payments["paid"], payments["unpaid"], payments["notification"]
    rounds = ", ".join(
        f"{rps} (floor {floor:,.0f} req/s)"
        for rps, floor in zip(payments["paid_rounds"], payments["paid_round_floors"], strict=True)
    )
    paid_cpu = paid["cpu_ms_per_paid_order"]
    store = sum(paid_cpu.get(name, 0) for name in ("gunicorn", "postgres", "redis-server"))
    checks = paid["checks"]
    return [
        "",
        "## Payments",
        "",
        "Alipay orders paid end to end on the production profile with the sandbox gateway "
        "(`PAYMENT_SANDBOX=1 PAYMENT_SANDBOX_WITHOUT_DEBUG=1`, notify_url on this gunicorn), "
        f"one Celery worker (`--concurrency={payments['celery_concurrency']}`). "
        "`bench/payments.py`: fresh shoppers, from Python threads, each POST an Alipay "
        "checkout (answered with the cashier), then press Pay in bulk, in process: "
        "`start_payment` signs the wap-pay request, the sandbox creates its trade from it "
        "and `gateway_sandbox.trades.pay` pays it; the worker POSTs the sandbox's signed "
        "notification to gunicorn, which verifies it and confirms the order. Paid orders/s "
        "= shoppers / (first checkout → last order CONFIRMED). The unpaid figure is one "
        "round of the orders benchmark (wrk, `cod`) on the same server in the same run.",
        "",
        f"Reproduce: `BENCH_ONLY=payments bench/run.sh` (only this section is rewritten), or "
        f"a full `bench/run.sh` (`BENCH_PAYMENTS=0` skips it). This run: `{command}`. Knobs: "
        "`BENCH_PAYMENT_SHOPPERS`, `BENCH_PAYMENT_ROUNDS`, `BENCH_PAYMENT_THREADS`, "
        "`BENCH_PAYMENT_CELERY_CONCURRENCY`, `BENCH_NOTIFY_COUNT`, `BENCH_NOTIFY_THREADS`. "
        "Raw results: `bench/results/payments.json`, a CPU-time cProfile of "
        "`handle_notification` in `bench/results/profile-notification.txt`.",
        "",
        "| Measure | Value |",
        "| --- | ---: |",
        f"| Paid orders/s, end to end ({paid['shoppers']:,} shoppers, {paid['threads']} "
        f"threads; best of {len(payments['paid_rounds'])}) | "
        f"{paid['paid_orders_per_second']:,.1f} |",
        f"| Unpaid orders/s (checkout only, `cod`, wrk) | {unpaid['orders_per_second']:,.1f} |",
        f"| Floor (bare Django view) before the paid round / the unpaid round | "
        f"{paid['floor_rps']:,.0f} / {unpaid['floor_rps']:,.0f} req/s |",
        f"| gunicorn CPU per notification (first-time, {note['notifications']:,} POSTed once "
        f"each from {note['threads']} threads) | {note['gunicorn_cpu_ms_per_notification']} ms |",
        f"| PostgreSQL CPU per notification | {note['cpu_ms_per_notification'].get('postgres', 0)} ms |",
        f"| SQL queries per notification: first-time / repeated | "
        f"{note['queries_per_notification']} / {note['queries_per_repeated_notification']} |",
        f"| Notifications/s (notify_url alone) | {note['notifications_per_second']:,.1f} |",
        "",
        f"- Paid rounds, paid orders/s: {rounds}. In the best, {paid['paid']:,} orders "
        f"confirmed {paid['seconds']} s after the first checkout; the checkouts and presses "
        f"took {paid['checkout_and_press_seconds']} s and the last confirmation came "
        f"{paid['last_confirmed_after_press_seconds']} s after the last press.",
        f"- Checks: every order CONFIRMED: {_yes(checks['all_confirmed'])}; one payment each,"
        f" paid: {checks['payments_paid']:,} of {checks['orders']:,}; notifications by verdict "
        f"{json.dumps(checks['notification_verdicts'])}; errors: {paid['errors']}.",
        f"- CPU per paid order, by program: {_cpu_ours(paid_cpu)}. The store's share "
        f"(gunicorn, PostgreSQL, Redis) is {store:.1f} ms. The Celery worker both sends the "
        "store's messages and, standing in for Alipay, signs and POSTs the sandbox's "
        "notifications; `bench.payments` (the shoppers' phones and the gateway's cashier: "
        "starting each payment, creating and paying its trade) is no load of the store's in "
        "production.",
        f"- SQL per first-time notification, for "
        f"{len(note['queries_per_notification_all'])} notifications: "
        f"{note['queries_per_notification_all']} (constant: {_yes(note['queries_constant'])}).",
        f"- Aim, {payments['aim_paid_orders_per_second']} paid orders/s on 2 CPUs: "
        f"{_yes(payments['aim_met'])} ({paid['paid_orders_per_second']:,.1f}).",
        f"- Machine: {env['nproc']} CPUs ({env['cpu']}), {env['memory_gib']} GiB; "
        f"PostgreSQL {env['postgresql']}, Redis {env['redis']}; code {env['git_commit']}; "
        f"load average {env['loadavg_start']} → {env['loadavg_end']} (other processes on "
        "the host slow every row).",
    ]


BOOKS_QUERIES = [  # what each of the books check's big queries reads, by its SQL's start
    ('AS "credits"', "the entries by order"),
    ('SUM(("orders_orderpart"."subtotal"', "the bank-transfer parts paid"),
    ('"order__number"', "the paid parts without a sale entry"),
    ('"settlement_ledgerentry"."vendor_id" AS "vendor_id", SUM', "the entries by shop"),
    ("COUNT(*)", "the count of entries"),
]


def _books_query(sql):
    return next((name for start, name in BOOKS_QUERIES if start in sql), sql[:40])


def _settlement_section(settlement, command="bench/run.sh"):
    if not settlement:
        return ["", "## Settlement", "", "Not measured in this run (`BENCH_SETTLEMENT=0`)."]
    sizes = settlement["sizes"]
    columns = list(sizes)
    rows = [
        ("Statement, one week (`statement` + first page of `statement_entries`)", "statement_week"),
        ("Statement, one year (the same, 50 entries of the year's)", "statement_year"),
        ("The year's statement as CSV (the shop's download, every entry)", "export_year_csv"),
        ("The year's statement as Excel (the same)", "export_year_xlsx"),
        (f"Payout run for {settlement['shops']:,} shops (`create_run`)", "payout_run"),
        ("Books check (`check_books()`)", "check_books"),
    ]
    lines = [
        "",
        "## Settlement",
        "",
        f"`bench/settlement.py`, in a database of its own: {settlement['shops']:,} shops, each "
        "with a bank account, and bank-transfer orders of one part each over the last year, "
        "paid and received, written with INSERT … SELECT; each part has the five entries the "
        "hooks book (sale, shipping fee, commission, the release pair) and every shop's "
        "running balance is the sum of its entries. Measured at each size in turn (the "
        "payout run of the first pays the shops, so the second's books hold payouts too), "
        "the functions called directly (no HTTP: there is no page floor to compare with); "
        "wall time is the best of 3 calls (the payout run: one), SQL queries are counted "
        "with an `execute_wrapper`.",
        "",
        f"Reproduce: `BENCH_ONLY=settlement bench/run.sh` (only this section is rewritten), "
        f"or a full `bench/run.sh` (`BENCH_SETTLEMENT=0` skips it). This run: `{command}`. "
        "Raw results: `bench/results/settlement.json`.",
        "",
        "| Measure | "
        + " | ".join(f"{int(size):,} entries: time | queries" for size in columns)
        + " |",
        "| --- |" + " ---: | ---: |" * len(columns),
    ]
    for label, key in rows:
        cells = " | ".join(
            f"{sizes[size][key]['ms']:,.1f} ms | {sizes[size][key]['queries']:,}"
            for size in columns
        )
        lines.append(f"| {label} | {cells} |")
    lines.append("")
    for size in columns:
        result = sizes[size]
        books = result["check_books"]
        run = result["payout_run"]
        lines.append(
            f"- {int(size):,}: {result['entries']:,} entries in all ({books['entries']:,} "
            f"counted by the check, {books['shops']:,} shops), loaded in "
            f"{result['load_seconds']} s; the busiest shop has {result['shop_entries']:,} "
            f"(its week {result['statement_week']['entries_in_period']}, its year "
            f"{result['statement_year']['entries_in_period']:,}); books balanced: "
            f"{_ok(books['balanced'])}, after the run: {_ok(result['balanced_after_run'])}; "
            f"{run['payouts']:,} payouts, {run['skipped']} shops left out."
        )
        plans = "; ".join(
            f"{_books_query(p['sql'])} {p['ms']:,.0f} ms" for p in result["check_books_plans"]
        )
        lines.append(f"  The books check's slowest queries (EXPLAIN ANALYZE): {plans}.")
    machine = settlement["machine"]
    lines += [
        "- The statements and the books check make the same number of queries at both "
        "sizes; a payout run makes a fixed number per shop paid (its own transaction each), "
        "whatever the entries.",
        f"- Machine: {machine['cores']} CPUs ({machine['cpu']}), PostgreSQL "
        f"{machine['postgresql']}, Python {machine['python']}; load average at the start "
        f"{' '.join(machine['loadavg_start'])} (the host is shared); the benchmark took "
        f"{settlement['elapsed_seconds']} s.",
    ]
    return lines


SCALE_HEADING = "## Catalog size"
SCALE_AIM = 1.5


def _scale_section(kept):
    """The "## Catalog size" section: bench/scale.py's pages at every size kept."""
    sizes = sorted(kept, key=int)
    smallest = kept[sizes[0]]
    lines = [
        "",
        SCALE_HEADING,
        "",
        "`bench/scale.py`: the pages that read many rows, signed in, on a gunicorn that "
        "caches no page (`CATALOG_PAGES_CACHED=0`): every request runs its queries and "
        "renders, as any page does right after the catalog changed. Still cached, as for "
        "any render: the taxonomy, the price schedule, the filter fields, the facet counts "
        "(`FACET_COUNTS_SECONDS`) and the cards. *Cold*: the first request after the "
        "catalog revision moved (none of that cached), in process. *p50 one at a time*: "
        "wrk with one connection. Each size in the search benchmark's database for it; "
        "`BENCH_ONLY=scale BENCH_PRODUCTS=N bench/run.sh` rewrites this section from "
        "`bench/scale-results.json`, which keeps every size.",
        "",
        "| Page | URL | "
        + " | ".join(f"{int(size):,}: cold | p50 one at a time | req/s (16)" for size in sizes)
        + f" | largest / smallest, p50 (aim ≤ {SCALE_AIM}×) |",
        "| --- | --- |" + " ---: | ---: | ---: |" * len(sizes) + " ---: |",
    ]
    for index, page in enumerate(smallest["pages"]):
        cells = []
        for size in sizes:
            row = kept[size]["pages"][index]
            cells.append(
                f"{row['cold_ms']:,.0f} ms | {row['single']['p50_ms']:,} ms | {row['rps']:,.0f}"
            )
        first = page["single"]["p50_ms"]
        last = kept[sizes[-1]]["pages"][index]["single"]["p50_ms"]
        ratio = last / first if first else 0
        lines.append(
            f"| {page['label']} | `{page['path']}` | {' | '.join(cells)} | "
            f"{ratio:.2f}× {_yes(ratio <= SCALE_AIM)} |"
        )
    floors = " | ".join(
        f"{int(size):,}: {max(r['rps'] for r in kept[size]['floor']):,.0f}" for size in sizes
    )
    lines += [
        "",
        f"- Floor (bare Django view, the same gunicorn, best of first and last) req/s: {floors}.",
        "- SQL statements per render: "
        + "; ".join(
            f"{int(size):,}: " + ", ".join(str(r["queries"]) for r in kept[size]["pages"])
            for size in sizes
        )
        + ".",
    ]
    for size in sizes:
        run = kept[size]
        machine = run["machine"]
        lines.append(
            f"- {int(size):,} products ({run['visible_products']:,} visible): code "
            f"{machine['commit']}, `{run['wrk']}`, load average at the start "
            f"{' '.join(machine['loadavg_start'])}, took {run['elapsed_seconds']} s."
        )
    lines.append(
        "- The plans of each cold render's slowest statements are in "
        "`bench/scale-results.json`; `bench/analysis.md` reads them."
    )
    return lines


SEARCH_HEADING = "## Search on "


def _search_section(search):
    """The "## Search on N products" section of one bench/search.py run."""
    floor = max(run["rps"] for run in search["floor"])
    machine = search["machine"]
    lines = [
        "",
        f"{SEARCH_HEADING}{search['products']:,} products",
        "",
        "`bench/search.py`: the demo catalog's products (every search field filled by "
        "`fill_search_fields`, their words recorded by `record_search_words`) in a database "
        "of their own, searched by a signed-in shopper (a real session cookie in wrk) on a "
        "gunicorn that caches no page (`CATALOG_PAGES_CACHED=0`), so the page cache "
        "never answers: every request runs the search and renders the results page. The bare Django view is measured on the same gunicorn just before "
        "and after.",
        "",
        f"Reproduce: `BENCH_ONLY=search BENCH_PRODUCTS={search['products']} bench/run.sh` "
        f"(only this section is rewritten; 20000 and 200000 keep a section each). This run: "
        f"`{search['command']}`, code {machine['commit']}, `{search['wrk']}`, gunicorn "
        f"`{machine['gunicorn']}`. Raw results: `bench/results/search.json`.",
        "",
        "| Query | Kind | Found | p50 one at a time | req/s | p50 | p99 | Fraction of floor "
        "| SQL per render | errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| `{FLOOR_LABEL}` | floor | – | – | {floor:,.1f} | "
        f"{min(r['p50_ms'] for r in search['floor'])} ms | "
        f"{min(r['p99_ms'] for r in search['floor'])} ms | 100% | 0 | "
        f"{sum(r['errors'] for r in search['floor'])} |",
    ]
    for row in search["queries"]:
        single = f"{row['single']['p50_ms']:,} ms" if row.get("single") else "–"
        lines.append(
            f"| `{row['query']}` | {row['kind']} | {row['found']:,} | {single} | "
            f"{row['rps']:,.1f} | {row['p50_ms']:,} ms | {row['p99_ms']:,} ms | "
            f"{row['rps'] / floor:.1%} | {row['queries']} | {row['errors']} |"
        )
    if search.get("suggestions"):
        lines += [
            "",
            "Suggestions while typing (`/search/suggest/?q=…`, the htmx fragment), signed in: "
            "the server's time one request at a time (`wrk -t1 -c1`), then throughput "
            "under the run's connections.",
            "",
            "| Typed | Options | p50 one at a time | p99 one at a time | req/s | p99 | "
            "Fraction of floor | SQL per render |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for row in search["suggestions"]:
            single = row["single"]
            lines.append(
                f"| `{row['query']}` | {row['options']} | {single['p50_ms']:,} ms | "
                f"{single['p99_ms']:,} ms | {row['rps']:,.1f} | {row['p99_ms']:,} ms | "
                f"{row['rps'] / floor:.1%} | {row['queries']} |"
            )
    floor_runs = ", ".join(f"{run['rps']:,.0f}" for run in search["floor"])
    lines += [
        "",
        f"- Floor runs: {floor_runs} req/s (first and last): how steady the machine was.",
        "- *p50 one at a time*: `wrk -t1 -c1`, the server's own time for one search; the "
        "other columns under the run's connections, where searches slower than the "
        f"timeout ({search['wrk'].split('--timeout ')[-1]}) count as errors, not in p99.",
        f"- {search['products']:,} products, {search['visible_products']:,} visible; *Found* "
        "is how many visible products the results page lists (`search_products`, or for a "
        "misspelling what its correction finds); *SQL per render* a warm render's queries (Django test client, same "
        "database).",
        f"- Machine: {machine['cores']} CPUs, PostgreSQL {machine['postgresql']}; load "
        f"average at the start {' '.join(machine['loadavg_start'])} (the host is shared); the "
        f"benchmark took {search['elapsed_seconds']} s after seeding.",
    ]
    return lines


FLOOR_LABEL = "/__floor__/"


def _kept_search_sections(old_text):
    """The "## Search on …" sections of the report as it was: a full run does not run
    the search benchmark (BENCH_ONLY=search does), so its figures stay."""
    lines, sections = old_text.splitlines(), []
    for start, line in enumerate(lines):
        if line.startswith(SEARCH_HEADING):
            end = next(
                (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
                len(lines),
            )
            sections.append(["", *lines[start:end]])
    return sections


def splice(markdown_text, section, before="## Analysis"):
    """`markdown_text` with the "## ..." section that `section` (lines) starts with
    replaced by it, or, if it has none, put before the `before` heading (or at the end)."""
    lines = markdown_text.splitlines()
    body = section[1:] if section and section[0] == "" else section
    heading = body[0]
    if heading in lines:
        start = lines.index(heading)
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        return "\n".join([*lines[:start], *body, "", *lines[end:]]) + "\n"
    at = lines.index(before) if before in lines else len(lines)
    return "\n".join([*lines[:at], *body, "", *lines[at:]]) + "\n"


def _yes(flag):
    return "met" if flag else "**not met**"


def _ok(flag):
    return "yes" if flag else "**NO**"


def _cache_cell(page):
    if page["cache_gets_per_request"] is None:
        return "n/a"
    if page["cache_hit_ratio"] is None:
        return f"{page['cache_gets_per_request']:.1f}"
    return f"{page['cache_gets_per_request']:.1f} ({page['cache_hit_ratio']:.0%} hit)"


def _rendered(run):
    share = run.get("rendered_pct")
    return "–" if share is None else f"{share:.1f}%"


def _table(pages):
    lines = [
        "| Page | URL | req/s | p50 | p99 | Fraction of floor | Rendered "
        "| Signed in: req/s | p99 | Fraction of floor | Rendered "
        "| SQL queries cold / warm | Cache GETs per request |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: |",
    ]
    for page in pages:
        signed_in = page.get("signed_in")
        signed_in_cells = (
            f"{signed_in['rps']:,.0f} | {signed_in['p99_ms']:.1f} ms | "
            f"{signed_in['fraction_of_floor']:.0%} | {_rendered(signed_in)}"
            if signed_in
            else "– | – | – | –"
        )
        lines.append(
            f"| {page['label']} | `{page['url']}` | {page['rps']:,.0f} | "
            f"{page['p50_ms']:.1f} ms | {page['p99_ms']:.1f} ms | "
            f"{page['fraction_of_floor']:.0%} | {_rendered(page)} | {signed_in_cells} | "
            f"{page['queries_cold']} / {page['queries_warm']} | {_cache_cell(page)} |"
        )
    return lines


def _analysis():
    path = ROOT / "bench" / "analysis.md"
    return path.read_text(encoding="utf-8").strip().splitlines() if path.exists() else []


def markdown(data):
    env = data["environment"]
    config = data["config"]
    floor = data["floor"]
    aims = data["aims"]
    pages = data["pages"]
    main_rows = [pages[name] for name, _label, _url in PAGES]
    floor_runs = ", ".join(f"{rps:,.0f}" for rps in floor["rps_runs"])
    lines = [
        "# Benchmarks",
        "",
        "Throughput and latency of the shopper pages on the production profile, measured",
        "against a bare Django view served by the same gunicorn (the framework's floor).",
        "The tables are written by `bench/report.py` at the end of every run; the analysis",
        "comes from `bench/analysis.md`.",
        "",
        "## Reproduce",
        "",
        "```sh",
        "make bench          # installs wrk, PostgreSQL and Redis if missing, then bench/run.sh",
        "bench/run.sh        # the same, when the packages are already there",
        "BENCH_ONLY=payments bench/run.sh   # only the payments (their section is rewritten)",
        "BENCH_ONLY=settlement bench/run.sh # only settlement (its section is rewritten)",
        "BENCH_ONLY=search bench/run.sh     # only search (BENCH_PRODUCTS=200000 for the large)",
        "```",
        "",
        f"This run: `{data['command']}`.",
        "",
        "Knobs: `BENCH_PRODUCTS` (default 20000), `BENCH_DURATION` (10s), `BENCH_ROUNDS` (2),"
        " `BENCH_CONNECTIONS` (16), `BENCH_WORKER_CLASS` (sync), `BENCH_PORT` (8765). Raw results:"
        " `bench/results/latest.json`, wrk outputs and a cProfile of the warm listing in"
        " `bench/results/` (git-ignored).",
        "",
        f"## Results ({data['generated_at']}, {env['products']:,} products, run took "
        f"{data['elapsed_seconds']} s)",
        "",
        *_table(main_rows),
        "",
        f"- Each page ran once in each of {config['rounds']} interleaved rounds; the table "
        "keeps its fastest run (another process on the machine can only slow a run down). "
        "Fractions are of the floor's fastest run. The floor ran first and last in every "
        f"round: {floor_runs} req/s, a spread that shows how steady the machine was.",
        "- SQL queries: Django's test client with `CaptureQueriesContext` against the same "
        "database and Redis; *cold* right after `cache.clear()`, *warm* the request after.",
        "- Cache GETs per request: Redis `keyspace_hits` + `keyspace_misses` during the wrk "
        "run divided by its requests (a `get_many` counts one per key), visitors' runs.",
        "- *Rendered*: the share of answers whose `X-Page-Cache` header says the page was "
        "rendered (`render`, `bypass`) rather than read from the cache (`hit`), counted by "
        "`bench/wrk_report.lua`: unlike Redis's hit rate, a stale page found and rendered "
        "again counts as rendered.",
        "- *Signed in*: the same page with a real session cookie "
        "(`bench/signed_in.py`): the shared cached page, the header's account links filled "
        "in for the shopper.",
    ]
    errors = {name: p["errors"] for name, p in pages.items() if p["error_count"]}
    errors |= {
        f"{name} signed in": p["signed_in"]["errors"]
        for name, p in pages.items()
        if p.get("signed_in", {}).get("error_count")
    }
    lines.append(
        "- wrk errors: "
        + (json.dumps(errors) if errors else "none (no socket errors, no 4xx/5xx).")
    )
    lines += [
        "",
        "### Aims",
        "",
        f"- SQL queries per page at most {aims['max_queries_per_page']}, whatever the catalog "
        f"size: {_yes(aims['queries_within_limit'])}. The cold counts here, on "
        f"{env['products']:,} products, are the ones `tests/catalog/test_query_counts.py` "
        "pins on 30 and 90.",
        f"- Listing at {aims['listing_fraction_aim']:.0%} of the floor or better: "
        f"{_yes(aims['listing_meets_aim'])} ({aims['listing_fraction']:.0%}).",
        f"- Signed in, listing, search and product page each at "
        f"{aims['signed_in_fraction_aim']:.0%} of the floor or better (issue #23): "
        f"{_yes(aims['signed_in_meets_aim'])} ("
        + ", ".join(
            f"{name} {fraction:.0%}" for name, fraction in aims["signed_in_fractions"].items()
        )
        + ").",
    ]
    lines += _promotions_section(data.get("promotions"))
    lines += _churn_section(data.get("churn"), data["command"])
    scale_results = ROOT / "bench" / "scale-results.json"
    if scale_results.exists():  # BENCH_ONLY=scale's, every size kept
        lines += _scale_section(json.loads(scale_results.read_text(encoding="utf-8")))
    lines += _livestream_section(data.get("livestream"))
    lines += _impact_section(data.get("impact"))
    lines += _orders_section(data.get("orders"))
    lines += _payments_section(data.get("payments"), env, data["command"])
    lines += _settlement_section(data.get("settlement"), data["command"])
    analysis = _analysis()
    if analysis:
        lines += ["", *analysis]
    lines += [
        "",
        "## Set-up",
        "",
        f"- Catalog: `seed_demo --products {config['products']}` → {env['products']:,} "
        f"products, {env['visible_products']:,} visible to shoppers; {config['database']}; "
        f"cache {config['cache']}.",
        f"- Server: `gunicorn {config['gunicorn']}`, settings `bench.settings` (the production "
        "settings from the environment, `DEBUG=0`, plus `/__floor__/`), plain http on "
        "127.0.0.1 (`SECURE_SSL_REDIRECT=False`).",
        f"- Load: each page warmed (`wrk -t1 -c4 -d2s`), then `{config['wrk']}` against "
        f"127.0.0.1, {config['rounds']} rounds, with `bench/wrk_report.lua` for exact "
        "percentiles. No cookies: every request is an anonymous first visit.",
        "- Worker class: sync workers, gunicorn's default and what runs behind a buffering "
        "proxy. Each response closes its connection, so wrk reconnects every request: the "
        "floor pays that too, so the fractions compare like with like. The pages are CPU-bound "
        "on 2 CPUs shared by wrk, PostgreSQL, Redis and the workers, so threads add GIL "
        "contention and no CPU (`BENCH_WORKER_CLASS=gthread` measures it).",
        "",
        "## Machine",
        "",
        f"- {env['nproc']} CPUs ({env['cpu']}), {env['memory_gib']} GiB RAM, Linux {env['kernel']}",
        f"- Python {env['python']}, Django {env['django']}, gunicorn {env['gunicorn']}, "
        f"psycopg {env['psycopg']}, PostgreSQL {env['postgresql']}, Redis {env['redis']}, "
        f"{env['wrk']}",
        f"- Code: {env['git_commit']}",
        f"- Load average before / after the run: {env['loadavg_start']} / {env['loadavg_end']}."
        " wrk, gunicorn, PostgreSQL and Redis share these CPUs; anything else running at the "
        "same time lowers every row, the floor included.",
        "",
    ]
    return "\n".join(lines)


def _command():
    return os.environ.get("BENCH_COMMAND", "bench/run.sh")


# `report.py --X-only FILE`: (the section's name, what builds it from FILE's results).
ONE_SECTION = {
    "--settlement-only": ("Settlement", lambda results: _settlement_section(results, _command())),
    "--scale-only": ("Catalog size", _scale_section),
    "--churn-only": ("Churn", lambda results: _churn_section(results, _command())),
    "--search-only": ("search", _search_section),
}


def main():
    """`report.py RESULTS_DIR` builds latest.json and the report from a run's files;
    `report.py --from-json FILE` only rewrites the report from a latest.json (after
    editing bench/analysis.md, say)."""
    output = Path(os.environ.get("BENCH_OUTPUT", ROOT / "BENCHMARKS.md"))
    if sys.argv[1:2] == ["--payments-only"]:
        payments = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
        section = _payments_section(
            payments, environment(), os.environ.get("BENCH_COMMAND", "bench/run.sh")
        )
        text = output.read_text(encoding="utf-8") if output.exists() else "# Benchmarks\n"
        text = splice(text, section)
        if _analysis():  # the hand-written reading, as of now
            text = splice(text, _analysis(), before="## Set-up")
        output.write_text(text, encoding="utf-8")
        print(f"report: the Payments and Analysis sections of {output}", file=sys.stderr)
        return
    if sys.argv[1:2] and sys.argv[1] in ONE_SECTION:  # that section rewritten, the rest kept
        name, build_section = ONE_SECTION[sys.argv[1]]
        results = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
        text = output.read_text(encoding="utf-8") if output.exists() else "# Benchmarks\n"
        output.write_text(splice(text, build_section(results)), encoding="utf-8")
        print(f"report: the {name} section of {output}", file=sys.stderr)
        return
    if sys.argv[1:2] == ["--from-json"]:
        data = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
    else:
        results_dir = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "bench" / "results")
        data = build(results_dir)
        (results_dir / "latest.json").write_text(
            json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    text = markdown(data)
    if output.exists():
        for section in _kept_search_sections(output.read_text(encoding="utf-8")):
            text = splice(text, section)
    output.write_text(text, encoding="utf-8")
    print(f"report: {output}", file=sys.stderr)


if __name__ == "__main__":
    main()

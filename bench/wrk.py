"""Running wrk from the benchmark scripts: the common arguments and one measured run."""

import argparse
import json
import os
import subprocess
from pathlib import Path

BENCH_LINE = "BENCH_JSON "
REPORT_SCRIPT = Path(__file__).with_name("wrk_report.lua")


def parser(description, out):
    """An argument parser with the load knobs every benchmark script shares."""
    parser = argparse.ArgumentParser(description=description)
    env = os.environ.get
    parser.add_argument("--base", default=f"http://127.0.0.1:{env('BENCH_PORT', '8765')}")
    parser.add_argument("--out", default=f"bench/results/{out}")
    parser.add_argument("--duration", default=env("BENCH_DURATION", "10s"))
    parser.add_argument("--connections", type=int, default=int(env("BENCH_CONNECTIONS", "16")))
    parser.add_argument("--threads", type=int, default=int(env("BENCH_WRK_THREADS", "2")))
    return parser


def run(url, args, *, script=REPORT_SCRIPT, headers=(), env=None, warm="2s", timeout=None):
    """Warm up for `warm`, then measure for args.duration; wrk's BENCH_JSON line, parsed.
    `timeout` ("10s"): how long wrk waits for an answer before counting a timeout."""

    def command(duration):
        extra = [part for header in headers for part in ("-H", header)]
        if timeout:
            extra += ["--timeout", timeout]
        return [
            "wrk",
            *extra,
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{duration}",
            "--latency",
            "-s",
            str(script),
            url,
        ]

    environment = {**os.environ, "BENCH_WRK_REPORT": str(REPORT_SCRIPT), **(env or {})}
    if warm:
        subprocess.run(command(warm), env=environment, capture_output=True, check=True)
    out = subprocess.run(
        command(args.duration), env=environment, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(
        next(x for x in out.splitlines() if x.startswith(BENCH_LINE)).removeprefix(BENCH_LINE)
    )


def summary(data, digits=1):
    """req/s, p50 and p99 in ms, and the error count of a run."""
    return {
        "rps": round(data["requests"] / (data["duration_us"] / 1e6), 1),
        "p50_ms": round(data["latency_us"]["p50"] / 1000, digits),
        "p99_ms": round(data["latency_us"]["p99"] / 1000, digits),
        "errors": sum(data["errors"].values()),
        **rendered_share(data),
    }


def rendered_share(data):
    """{"rendered_pct": the share of answers that were rendered (X-Page-Cache render or
    bypass) among those that said, "cards_pct": the share given the stored page with
    some cards rendered again, "stale_pct": the share given the page as it was while
    another process rendered it}, or {} when no answer said (not a cached page)."""
    counts = data.get("page_cache") or {}
    said = sum(count for kind, count in counts.items() if kind != "none")
    if not said:
        return {}
    rendered = counts.get("render", 0) + counts.get("bypass", 0)
    return {
        "rendered_pct": round(rendered / said * 100, 2),
        "cards_pct": round(counts.get("cards", 0) / said * 100, 2),
        "stale_pct": round(counts.get("stale", 0) / said * 100, 2),
    }

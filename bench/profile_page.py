"""Where a warm page spends its time: cProfile over N requests through Django's handler.

    python -m bench.profile_page /products/ [--requests 300] [--out FILE]

Uses the environment `bench/run.sh` sets (bench.settings, the benchmark's database and
Redis); `BENCH_PROFILE=1 bench/run.sh` writes bench/results/profile-<page>.txt for the
listing. The page is requested once first so the profile is of the warm (cached) path.
It goes through the test client's handler, not gunicorn: the Django side of a request
(middleware, view, cache, templates) is the same, the HTTP server's part is not counted.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--out")
    parser.add_argument("--limit", type=int, default=45)
    args = parser.parse_args()

    client = Client(HTTP_HOST="127.0.0.1")
    assert client.get(args.url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        client.get(args.url)
    warm_queries = len(captured)  # read now: the next request resets the query log
    timings = []
    for _ in range(3):  # best of three: other processes on the machine only add time
        started = time.perf_counter()
        for _ in range(100):
            client.get(args.url)
        timings.append((time.perf_counter() - started) / 100 * 1000)
    per_request_ms = min(timings)

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.requests):
        client.get(args.url)
    profile.disable()

    out = io.StringIO()
    out.write(
        f"{args.url}: {per_request_ms:.2f} ms per warm request without profiling, "
        f"{warm_queries} SQL queries warm\n"
    )
    for sort in ("tottime", "cumulative"):
        out.write(f"\n=== {args.requests} requests, sorted by {sort} ===\n")
        stats = pstats.Stats(profile, stream=out)
        stats.strip_dirs().sort_stats(sort).print_stats(args.limit)
    if args.out:
        Path(args.out).write_text(out.getvalue(), encoding="utf-8")
    else:
        print(out.getvalue())


if __name__ == "__main__":
    main()

"""SQL queries per benchmarked page, cold (cache cleared) and warm, through Django's test client.

Runs against the benchmark's database and cache (the environment `bench/run.sh` sets),
with the same settings and middleware gunicorn serves. Writes JSON to the path given
(or stdout): per page the status, the response size, the query counts and the SQL.

    python -m bench.count_queries bench/results/queries.json
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.pages import PAGES  # noqa: E402


def measure(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response, [query["sql"] for query in captured.captured_queries]


def main():
    # The host gunicorn is reached by, so ALLOWED_HOSTS is the production one.
    client = Client(HTTP_HOST="127.0.0.1")
    results = {}
    for name, _label, url in PAGES:
        cache.clear()
        cold_response, cold_sql = measure(client, url)
        warm_response, warm_sql = measure(client, url)
        results[name] = {
            "url": url,
            "status": cold_response.status_code,
            "warm_status": warm_response.status_code,
            "bytes": len(warm_response.content),
            "queries_cold": len(cold_sql),
            "queries_warm": len(warm_sql),
            "sql_cold": cold_sql,
            "sql_warm": warm_sql,
        }
        if cold_response.status_code != 200 or warm_response.status_code != 200:
            print(
                f"count_queries: {url} answered {cold_response.status_code}/"
                f"{warm_response.status_code}, expected 200",
                file=sys.stderr,
            )
    output = json.dumps(results, ensure_ascii=False, indent=2)
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(output + "\n", encoding="utf-8")
    else:
        print(output)
    failed = [name for name, r in results.items() if r["status"] != 200 or r["warm_status"] != 200]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

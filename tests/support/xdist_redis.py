"""A pytest plugin, loaded with `-p` before Django reads its settings: each pytest-xdist
worker of the PostgreSQL + Redis run gets a Redis database of its own (REDIS_URL's, plus
one per worker), so parallel workers never clear each other's cache, read each other's
counters or share a broker. The databases are pytest-django's own per worker already."""

import os
import re

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", … in a worker
_url = os.environ.get("REDIS_URL", "")
if _worker.startswith("gw") and _url:
    _number = int(_worker[2:]) + 1
    _base = re.sub(r"/\d*$", "", _url.split("?")[0])
    os.environ["REDIS_URL"] = f"{_base}/{_number}"

"""The anonymous listing while the catalog changes: 0, 1 and 10 writes a second.

    python -m bench.churn --base http://127.0.0.1:8765 --out bench/results/churn.json

Run by bench/run.sh (BENCH_CHURN=1, the default) against its gunicorn, with its
environment. While wrk loads `/products/`, a writer in this process changes the catalog
through the services a vendor's dashboard calls, at a steady rate, the worst case for
narrow invalidation: every write is to a product on the page being loaded, so each one
makes that page stale. Writes alternate between a stock change (a vendor's ±1:
`adjust_stock`, its card alone) and a price change (`save_product`, which may reorder
and recount every listing). The floor runs first and last; each rate is compared with
the rate 0 run beside it. The report gives req/s, the share of answers rendered, and the
writes done.
"""

import json
import os
import sys
import threading
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.db import close_old_connections  # noqa: E402

from bench import wrk  # noqa: E402
from catalog import services  # noqa: E402
from catalog.models import Product  # noqa: E402

LISTING = "/products/"
RATES = [0, 1, 10]
CENTS = Decimal("0.01")


def log(message):
    print(f"churn: {message}", file=sys.stderr, flush=True)


def products_on_the_page(base):
    """The products the listing's first page shows (by their slugs in its links), as the
    gunicorn under load serves it."""
    with urllib.request.urlopen(base + LISTING, timeout=30) as response:
        html = response.read().decode()
    slugs = [part.split("/")[0] for part in html.split('href="/products/')[1:]]
    found = list(Product.objects.filter(slug__in=slugs, stock__gt=2))
    if not found:
        raise SystemExit("churn: no product of the listing's first page found")
    return found


class Writer(threading.Thread):
    """`rate` writes a second to `products`, stock and price in turn, until stopped."""

    def __init__(self, rate, products):
        super().__init__(daemon=True)
        self.rate, self.products, self.done, self.stop = rate, products, 0, threading.Event()
        self.seconds = []

    def run(self):
        interval, next_at, n = 1 / self.rate, time.monotonic(), 0
        while not self.stop.is_set():
            product = self.products[n % len(self.products)]
            started = time.monotonic()
            if n % 2 == 0:
                services.adjust_stock(product, -1 if n % 4 == 0 else 1)
            else:
                fresh = Product.objects.get(pk=product.pk)
                fresh.price += CENTS if n % 4 == 1 else -CENTS
                services.save_product(fresh, update_fields=["price"])
            self.seconds.append(time.monotonic() - started)
            self.done, n = self.done + 1, n + 1
            next_at += interval
            self.stop.wait(max(0.0, next_at - time.monotonic()))
        close_old_connections()


def measure(args, rate, products):
    writer = Writer(rate, products) if rate else None
    if writer:
        writer.start()
    started = time.monotonic()
    data = wrk.run(args.base + LISTING, args, warm="1s")
    elapsed = time.monotonic() - started
    result = {"writes_per_second": rate, **wrk.summary(data)}
    if writer:
        writer.stop.set()
        writer.join()
        result["writes_done"] = writer.done
        result["writes_done_per_second"] = round(writer.done / elapsed, 2)
        result["write_ms_p50"] = round(sorted(writer.seconds)[len(writer.seconds) // 2] * 1000, 1)
    log(f"{rate}/s writes: {result['rps']} req/s, {result.get('rendered_pct', 0)} % rendered")
    return result


def _median(runs, key="rps"):
    values = sorted(run[key] for run in runs)
    middle = len(values) // 2
    return (
        values[middle] if len(values) % 2 else round((values[middle - 1] + values[middle]) / 2, 1)
    )


def main():
    args = wrk.parser(__doc__, "churn.json").parse_args()
    rounds = int(os.environ.get("BENCH_CHURN_ROUNDS", "3"))
    products = products_on_the_page(args.base)
    log(f"writing to {len(products)} products of {LISTING}, {rounds} rounds a rate")
    floor = [wrk.summary(wrk.run(args.base + "/__floor__/", args, warm="1s"))]
    runs = []
    for rate in RATES[1:]:
        # Each rate in turn with a run without writes, `rounds` times: the host's own
        # wanderings (the floor moves by a third within a run here) show in both.
        pairs = [(measure(args, 0, products), measure(args, rate, products)) for _ in range(rounds)]
        quiet, busy = [pair[0] for pair in pairs], [pair[1] for pair in pairs]
        run = {
            "writes_per_second": rate,
            "quiet_rps": _median(quiet),
            "busy_rps": _median(busy),
            "quiet": quiet,
            "busy": busy,
        }
        run["cost_pct"] = round((run["quiet_rps"] - run["busy_rps"]) / run["quiet_rps"] * 100, 1)
        for share in ("rendered_pct", "cards_pct", "stale_pct", "p99_ms", "write_ms_p50"):
            run[f"busy_{share}"] = _median(busy, share)
        run["quiet_p99_ms"] = _median(quiet, "p99_ms")
        run["writes_done_per_second"] = _median(busy, "writes_done_per_second")
        runs.append(run)
    floor.append(wrk.summary(wrk.run(args.base + "/__floor__/", args, warm="1s")))
    out = {
        "floor": floor,
        "runs": runs,
        "page": LISTING,
        "products_written": len(products),
        "rounds": rounds,
        "duration": args.duration,
    }
    Path(args.out).write_text(json.dumps(out, indent=2))
    log(json.dumps([(r["writes_per_second"], r["cost_pct"]) for r in runs]))


if __name__ == "__main__":
    main()

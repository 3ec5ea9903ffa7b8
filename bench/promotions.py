"""Listing and product-page throughput with 100 running promotions against none.

    python -m bench.promotions --base http://127.0.0.1:8765 --out bench/results/promotions.json

Run by bench/run.sh (BENCH_PROMOTIONS=1, the default) against its gunicorn, with its
environment. Promotions running now are deleted first (seed_demo puts the demo ones back
on the next run), then each page is measured with wrk twice per state: as an anonymous
shopper and signed in (since issue #23 both are answered by the shared cached page, the
signed-in one with the shopper's own header). The SQL of one signed-in render after a
catalog change is counted too: pricing must not add a query per product.
"""

import json
import os
import random
import sys
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import wrk  # noqa: E402
from bench.signed_in import signed_in_session  # noqa: E402
from catalog.models import Category, County, Product, Promotion, Vendor  # noqa: E402
from catalog.page_cache import bump_catalog_revision  # noqa: E402

PREFIX = "bench-promo-"
PAGES = [("listing", "/products/"), ("product", "/products/demo-000001/")]


def log(message):
    print(f"promotions: {message}", file=sys.stderr, flush=True)


def clear_running():
    now = timezone.now()
    deleted, _ = Promotion.objects.filter(ends_at__gt=now, starts_at__lte=now).delete()
    Promotion.objects.filter(slug__startswith=PREFIX).delete()
    bump_catalog_revision()
    return deleted


def create_running(count, rng):
    """`count` promotions running now, with the kinds of scope staff use."""
    now = timezone.now()
    categories = list(Category.objects.all())
    counties = list(County.objects.filter(products__isnull=False).distinct())
    vendors = list(Vendor.objects.filter(status=Vendor.Status.APPROVED))
    product_ids = list(Product.objects.visible().values_list("pk", flat=True)[:5000])
    for n in range(count):
        promotion = Promotion.objects.create(
            name=f"压测促销{n}",
            slug=f"{PREFIX}{n}",
            kind=rng.choice(["percent_off", "amount_off", "special_price"]),
            value=Decimal(rng.choice(["5", "10", "15", "20"])),
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=1),
        )
        scope = n % 4
        if scope == 0:
            promotion.categories.add(rng.choice(categories))
        elif scope == 1:
            promotion.counties.add(*rng.sample(counties, min(3, len(counties))))
        elif scope == 2:
            promotion.vendors.add(*rng.sample(vendors, min(2, len(vendors))))
        else:
            promotion.products.add(*rng.sample(product_ids, min(20, len(product_ids))))
    bump_catalog_revision()


def measure_page(url, args, cookie=None):
    headers = [f"Cookie: sessionid={cookie}"] if cookie else []
    return wrk.summary(wrk.run(url, args, headers=headers))


def queries_signed_in(user, path):
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    bump_catalog_revision()  # cold: the promotion schedule is built again
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    return len(captured.captured_queries)


def measure(args, label, user, session):
    result = {}
    for name, path in PAGES:
        url = args.base + path
        result[name] = {
            "anonymous": measure_page(url, args),
            "signed_in": measure_page(url, args, cookie=session),
            "queries_signed_in_cold": queries_signed_in(user, path),
        }
        log(
            f"{label} {path}: anonymous {result[name]['anonymous']['rps']} req/s, signed in "
            f"{result[name]['signed_in']['rps']} req/s, "
            f"{result[name]['queries_signed_in_cold']} queries"
        )
    return result


def main():
    parser = wrk.parser(__doc__.split("\n\n")[0], "promotions.json")
    parser.add_argument(
        "--count", type=int, default=int(os.environ.get("BENCH_PROMOTION_COUNT", "100"))
    )
    args = parser.parse_args()
    if not args.base.startswith("http://127.0.0.1"):
        raise SystemExit("promotions: only http://127.0.0.1 is allowed")
    rng = random.Random(2020)
    user, session = signed_in_session()
    log(f"deleted {clear_running()} promotions running now (seed_demo restores the demo ones)")
    none = measure(args, "none", user, session)
    create_running(args.count, rng)
    many = measure(args, f"{args.count} running", user, session)
    clear_running()
    data = {"count": args.count, "none": none, "running": many, "run": uuid.uuid4().hex[:8]}
    connection.close()
    Path(args.out).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    log(f"written {args.out}")


if __name__ == "__main__":
    main()

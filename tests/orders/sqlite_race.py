"""Parallel buyers on the embedded default: separate processes, one SQLite file.

    python -m tests.orders.sqlite_race DB_PATH BUYERS STOCK

Migrates a fresh database at DB_PATH (it must not exist), gives one product STOCK units,
starts BUYERS processes (as gunicorn workers would be) that all check out one unit at the
same moment, and prints JSON: how many orders, what the others were told, the stock left.
Run by tests/orders/test_checkout.py; it needs its own file because SQLite's in-memory
test database cannot be shared between processes.
"""

import json
import os
import sys
import uuid
from functools import partial
from pathlib import Path

from tests.support.races import ProcessDied, all_at_once

ROOT = Path(__file__).resolve().parents[2]


def setup(db_path):
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "hubei_market.settings"
    os.environ["DEBUG"] = "1"  # the embedded default, as `make run` has it
    # Each buyer's process delivers its messages itself, into memory: nothing lands in the
    # project's var/celery queue or on the console.
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    import django

    django.setup()


def buy(cart, address):
    from orders import services

    try:
        services.place_order(
            cart,
            shopper=cart.user,
            address=address,
            payment_method="cod",
            idempotency_key=uuid.uuid4().hex,
        )
        return ["order"]
    except services.CheckoutProblem as problem:
        return problem.messages


def main(db_path, buyers, stock):
    if Path(db_path).exists():
        raise SystemExit(f"{db_path} exists; give a fresh path")
    setup(db_path)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from catalog.models import Category, County, Product, Vendor
    from notifications.models import Notification
    from orders.models import Address, Cart, CartItem, Order
    from tests.factories import AddressFactory

    call_command("migrate", verbosity=0)
    vendor = Vendor.objects.create(
        name="秭归果业",
        slug="zigui-guoye",
        kind="cooperative",
        county=County.objects.first(),
        status=Vendor.Status.APPROVED,
    )
    product = Product.objects.create(
        vendor=vendor,
        name="最后的秭归脐橙",
        slug="zigui-last",
        price="59.90",
        pack_size="5kg",
        net_weight_g=5000,
        stock=stock,
        status=Product.Status.PUBLISHED,
        category=Category.objects.first(),
        origin_county=vendor.county,
    )
    buyers_ready = []
    for i in range(buyers):
        user = get_user_model().objects.create_user(f"racer{i}")
        AddressFactory(
            user=user,
            recipient="李四",
            mobile="13800000000",
            city="宜昌市",
            district="秭归县",
            street="茅坪镇",
        )
        CartItem.objects.create(cart=Cart.objects.create(user=user), product=product, quantity=1)
        buyers_ready.append(
            (Cart.objects.select_related("user").get(user=user), Address.objects.get(user=user))
        )

    # One process per buyer (forked, as gunicorn's workers are), all at the same moment.
    outcomes = all_at_once(
        [partial(buy, *buyer) for buyer in buyers_ready], language="en", timeout=180, processes=True
    )

    product.refresh_from_db()
    print(
        json.dumps(
            {
                "orders": Order.objects.count(),
                "told": sorted({" ".join(o) for o in outcomes if o != ["order"]}),
                "refused": sum(o != ["order"] for o in outcomes),
                "succeeded": sum(o == ["order"] for o in outcomes),
                "stock": product.stock,
                "notifications_sent": Notification.objects.filter(state="sent").count(),
                "exit_codes": sorted(
                    {o.exitcode if isinstance(o, ProcessDied) else 0 for o in outcomes}
                ),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))

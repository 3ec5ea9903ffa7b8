"""A live stream's "Buy now" seen from outside: gunicorn with several workers on the
production profile (DEBUG off, a secret key, the test database, a Redis of the test's
own), driven over HTTP by shoppers' threads. One press makes one order however often
its checkout is posted at once, even when a worker is killed while placing it, and the
last units go to as many shoppers as there are units: the others are told it is sold
out, never a 500, and stock never goes below zero (DESIGN.md invariants 1 and 3).
"""

import http.client
import os
import re
import shutil
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse

from catalog.models import Product
from orders.models import Order, OrderLine
from tests.factories import (
    AddressFactory,
    CountyFactory,
    FeaturedProductFactory,
    LiveStreamFactory,
    ProductFactory,
)
from tests.support import races
from tests.support.processes import Processes
from tests.support.web import PASSWORD, SECRET_KEY, Browser, production_env

pytestmark = [
    pytest.mark.skipif(
        not settings.REDIS_URL or settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
        reason="gunicorn serves the test database only on the production profile "
        "(PostgreSQL + Redis): run with DATABASE_URL and REDIS_URL",
    ),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]
TIMEOUT = 60  # seconds: generous, for a busy 2-core machine
STREAM_PRICE = Decimal("79.00")


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    """Static files collected once for the module's servers."""
    return tmp_path_factory.mktemp("static")


@pytest.fixture
def store(transactional_db, static_root, private_redis, tmp_path, settings):
    """`start(workers)`: gunicorn serving the store on the production profile, with a Redis
    of the test's own; every server started is stopped after the test."""
    settings.SECRET_KEY = SECRET_KEY  # sessions made here are the server's (use_session)
    env = production_env(
        static_root,
        redis_url=private_redis.url,
        collect=not (Path(static_root) / "staticfiles.json").exists(),
    )
    with Processes(tmp_path) as started:
        yield lambda workers=2: started.gunicorn(env, workers=workers, ready_timeout=TIMEOUT)


@pytest.fixture
def live(transactional_db):
    """A live stream featuring crayfish at its stream price, with `stock` units."""

    def make(stock):
        stream = LiveStreamFactory(
            title_en="Qianjiang crayfish live",
            slug="qianjiang-live",
            county=CountyFactory(name_zh="潜江市", name_en="Qianjiang"),
            stream_url="https://live.example.cn/embed/1",
        )
        crayfish = ProductFactory(
            name="潜江小龙虾", name_en="Qianjiang crayfish", price=Decimal("98.00"), stock=stock
        )
        FeaturedProductFactory(stream=stream, product=crayfish, stream_price=STREAM_PRICE)
        return stream, crayfish

    return make


def make_shopper(django_user_model, username):
    user = django_user_model.objects.create_user(username, password=PASSWORD)
    AddressFactory(user=user, city="潜江市", district="园林街道", street="1 号", is_default=True)
    return user


def press_buy_now(browser, stream, product):
    """The stream's page, then its "Buy now": the checkout page of that one item (its
    path and HTML)."""
    page = browser.request(stream.get_absolute_url())
    assert page[0] == 200, page[2][-2000:]
    pressed = browser.request(
        reverse("orders:buy_now", args=[product.pk]),
        {"quantity": 1, "stream": stream.slug, "csrfmiddlewaretoken": browser.csrf()},
    )
    assert pressed[0] == 302, pressed[2][-2000:]
    checkout_path = pressed[1]["Location"]
    assert re.fullmatch(r"/checkout/now/[\w-]+/", checkout_path), checkout_path
    page = browser.request(checkout_path)
    assert page[0] == 200, page[2][-2000:]
    return checkout_path, page[2]


def checkout_form(browser, html):
    return {
        "address": re.search(r'name="address" value="(\d+)"', html)[1],
        "payment_method": "cod",
        "expected_total": re.search(r'name="expected_total" value="([\d.]+)"', html)[1],
        "csrfmiddlewaretoken": browser.csrf(),
    }


def all_at_once(calls):
    """Run each call in a thread of its own, all let go at the same moment; their
    results (or exceptions) in order."""
    return races.all_at_once(calls, timeout=3 * TIMEOUT)  # a dropped connection: an answer


def text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_one_press_of_buy_now_posted_eight_times_at_once_is_one_order(
    store, live, django_user_model, settings
):
    # This shopper signs in over HTTP: the server checks the password with its hashers.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    make_shopper(django_user_model, "fan")
    stream, crayfish = live(stock=6)
    server = store(workers=2)
    fan = Browser(server.url)
    assert fan.sign_in("fan")[0] == 302

    checkout_path, html = press_buy_now(fan, stream, crayfish)
    form = checkout_form(fan, html)
    answers = all_at_once([lambda: fan.request(checkout_path, form, timeout=TIMEOUT)] * 8)

    order = Order.objects.get()
    assert [a if isinstance(a, Exception) else (a[0], a[1]["Location"]) for a in answers] == [
        (302, reverse("orders:detail", args=[order.number]))
    ] * 8
    page = fan.request(reverse("orders:detail", args=[order.number]))
    assert page[0] == 200 and order.number in page[2]
    line = OrderLine.objects.get()
    assert (line.quantity, line.unit_price, line.channel) == (1, STREAM_PRICE, stream.channel)
    assert order.total == STREAM_PRICE
    assert Product.objects.get(pk=crayfish.pk).stock == 5  # taken once
    # Posted once more later (a reload): the same order, nothing more.
    again = fan.request(checkout_path, form)
    assert (again[0], again[1]["Location"]) == (302, reverse("orders:detail", args=[order.number]))
    assert Order.objects.count() == 1
    assert [s for s in fan.statuses if s[1] >= 500] == []
    assert "Internal Server Error" not in server.output()


def test_twenty_shoppers_for_the_last_five_units_get_five_orders_and_the_rest_a_clear_no(
    store, live, django_user_model
):
    stream, crayfish = live(stock=5)
    server = store(workers=3)
    shoppers = []
    for n in range(20):
        shopper = Browser(server.url)
        shopper.use_session(make_shopper(django_user_model, f"fan{n}"))
        checkout_path, html = press_buy_now(shopper, stream, crayfish)
        shoppers.append((shopper, checkout_path, checkout_form(shopper, html)))

    answers = all_at_once(
        [
            lambda s=s, path=path, form=form: s.request(path, form, timeout=TIMEOUT)
            for s, path, form in shoppers
        ]
    )

    assert [a for a in answers if isinstance(a, Exception)] == []
    orders = {o.number: o for o in Order.objects.select_related("shopper")}
    placed = [a for a in answers if a[0] == 302]
    refused = [a for a in answers if a[0] != 302]
    assert len(orders) == 5
    assert sorted(a[1]["Location"] for a in placed) == sorted(
        reverse("orders:detail", args=[number]) for number in orders
    )
    assert Product.objects.get(pk=crayfish.pk).stock == 0
    assert sorted(OrderLine.objects.values_list("quantity", flat=True)) == [1] * 5
    assert len(refused) == 15
    for status, _headers, html in refused:
        assert status == 200
        page = text(html)
        assert "This item cannot be bought as it stands. Nothing was charged" in page
        assert "“Qianjiang crayfish” is sold out." in page
        assert "Back to the live stream" in page
    assert all(s[1] < 500 for shopper, _path, _form in shoppers for s in shopper.statuses)
    assert "Internal Server Error" not in server.output()


def _waiting_on_locks(our_pid):
    """(backends waiting on a lock, the client port of the one waiting on ours)."""
    with connection.cursor() as cursor:
        # pg_stat_activity is read once per transaction unless told to read again.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT pid, client_port, %s = ANY(pg_blocking_pids(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> %s AND wait_event_type = 'Lock'",
            [our_pid, our_pid],
        )
        rows = cursor.fetchall()
    return len(rows), next((port for _pid, port, ours in rows if ours), None)


def _activity():
    """Every backend of the test database, for a failure message."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT pid, client_port, state, wait_event_type, wait_event, pg_blocking_pids(pid), "
            "left(query, 200) FROM pg_stat_activity WHERE datname = current_database()"
        )
        return cursor.fetchall()


def _process_with_local_port(pids, port):
    """The one of `pids` holding the TCP connection from 127.0.0.1:`port`."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port:
            inodes.add(fields[9])
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = fd.readlink()
            except OSError:
                continue
            if str(target) in {f"socket:[{inode}]" for inode in inodes}:
                return pid
    raise LookupError(f"no process of {pids} has local port {port}")


def test_a_worker_killed_while_placing_the_order_then_a_retry_leave_one_order(
    store, live, django_user_model
):
    stream, crayfish = live(stock=5)
    server = store(workers=2)
    fan = Browser(server.url)
    fan.use_session(make_shopper(django_user_model, "fan"))
    checkout_path, html = press_buy_now(fan, stream, crayfish)
    form = checkout_form(fan, html)

    def post():
        try:
            return fan.request(checkout_path, form, timeout=TIMEOUT)
        except Exception as error:  # noqa: BLE001 - a dropped connection is an answer here
            return error

    with ThreadPoolExecutor(max_workers=4) as pool:
        with transaction.atomic():
            # The crayfish row locked here: each worker's checkout stops inside its
            # transaction, one at its stock (its order inserted, not committed), the
            # other at the same idempotency key.
            Product.objects.select_for_update().get(pk=crayfish.pk)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                our_pid = cursor.fetchone()[0]
            posts = [pool.submit(post) for _ in range(4)]
            deadline = time.monotonic() + TIMEOUT
            while (waiting := _waiting_on_locks(our_pid))[0] < 2 or waiting[1] is None:
                assert time.monotonic() < deadline, (_activity(), server.output()[-3000:])
                assert not any(p.done() for p in posts), [p.result() for p in posts if p.done()]
                time.sleep(0.05)  # polling: what it waits for is in another process
            # The worker placing the order is killed, as a crash would kill it.
            os.kill(_process_with_local_port(server.children(), waiting[1]), signal.SIGKILL)
        answers = [p.result(timeout=3 * TIMEOUT) for p in posts]

    # The killed worker's one request hung up; gunicorn started another worker.
    dropped = [a for a in answers if isinstance(a, Exception)]
    assert len(dropped) == 1, answers
    assert isinstance(dropped[0], (http.client.HTTPException, ConnectionError)), dropped
    assert "was sent SIGKILL" in server.output()
    # The shopper whose page hung up presses "Place order" again.
    retried = fan.request(checkout_path, form, timeout=TIMEOUT)
    order = Order.objects.get()
    detail = reverse("orders:detail", args=[order.number])
    assert [
        (a[0], a[1]["Location"]) for a in [*answers, retried] if not isinstance(a, Exception)
    ] == [(302, detail)] * 4
    assert Product.objects.get(pk=crayfish.pk).stock == 4  # the killed one's taking undone
    assert OrderLine.objects.count() == 1
    assert "Internal Server Error" not in server.output()

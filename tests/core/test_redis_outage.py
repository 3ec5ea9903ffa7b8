"""The store keeps selling while Redis is down (issue #15, item 1).

Each test starts a Redis of its own on a free port (never the suite's), points the
cache, the cached_db sessions and the Celery broker at it, and stops it in the middle.
Production profile only: the embedded profile has no Redis to lose.
"""

import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalog.models import County, VendorMember
from core import redis_cache
from hubei_market.celery import app as celery_app
from livestream.models import LiveStream
from notifications import services as notifications
from notifications.models import Notification
from notifications.tasks import resend_pending_notifications_task
from orders.impact.admin import QUEUE_UNREACHABLE
from orders.impact.models import DailySales, Dimension
from orders.models import Order
from tests.factories import AddressFactory, ProductFactory

pytestmark = [
    pytest.mark.skipif(
        not settings.REDIS_URL or settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
        reason="a Redis outage is the production profile's (PostgreSQL + Redis): the "
        "embedded profile has no Redis to lose; run with DATABASE_URL and REDIS_URL",
    ),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
REDIS_LOG = "core.redis_cache"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own on 127.0.0.1, no persistence: stopped, it loses
    everything, as a Redis restarted after a crash may."""

    def __init__(self, directory):
        self.directory = directory
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.05)

    def stop(self, *, keep_data=False):
        """The server is gone with its data, connections are refused. `keep_data`: it
        writes its snapshot first, so the next start reads back what it held."""
        if keep_data:
            redis.Redis(port=self.port, socket_timeout=5).save()
        self.process.terminate()  # no save points configured: nothing written
        self.process.wait(timeout=10)

    def hang(self):
        """The server stops answering but keeps its socket: connections wait."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self):
        os.kill(self.process.pid, signal.SIGCONT)

    def close(self):
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.close()


def point_celery_at(url, *, eager):
    celery_app.conf.broker_url = url
    celery_app.conf.task_always_eager = eager
    # The app keeps its broker connections in pools made on first use.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def store_on_private_redis(settings, redis_server):
    """The cache, sessions and Celery broker on the test's own Redis, tasks published
    (not eager), as in production."""
    # Celery reads Django's settings lazily: what the suite's broker is, before the override.
    original = celery_app.conf.broker_url
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": redis_server.url,
            "RETRY_SECONDS": 0.2,
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.CELERY_BROKER_URL = redis_server.url
    point_celery_at(redis_server.url, eager=False)
    yield redis_server
    point_celery_at(original, eager=True)


def make_shopper(django_user_model, username):
    user = django_user_model.objects.create_user(
        username, email=f"{username}@example.cn", password="a-shopper-password"
    )
    AddressFactory(user=user, is_default=True)
    return user


def sign_in(client, username):
    return client.post(
        reverse("login"), {"username": username, "password": "a-shopper-password"}, **EN
    )


def check_out(client, product):
    """Put one of `product` in the cart and place the order: the checkout's response."""
    client.post(reverse("orders:cart_add", args=[product.pk]), {"quantity": 1})
    html = client.get(reverse("orders:checkout"), **EN).content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', html)[1]
    address = re.search(r'name="address" value="(\d+)"', html)[1]
    return client.post(
        reverse("orders:checkout"),
        {"address": address, "payment_method": "cod", "idempotency_key": key},
        **EN,
    )


def browse(client, product):
    """The status of each page a shopper not signed in reads, by path."""
    paths = [
        reverse("catalog:home"),
        reverse("catalog:product_list"),
        reverse("catalog:product", args=[product.slug]),
        reverse("orders:impact"),
    ]
    return {path: client.get(path, **EN).status_code for path in paths}


def redis_log(caplog, words):
    return [r for r in caplog.records if r.name == REDIS_LOG and words in r.getMessage()]


@pytest.fixture
def shop(transactional_db, django_user_model):
    """A product whose vendor has a member with an email (a new-order message each)."""
    product = ProductFactory(name="秭归脐橙", name_en="Zigui navel oranges", stock=20)
    owner = django_user_model.objects.create_user("grower", email="grower@example.cn")
    VendorMember.objects.create(vendor=product.vendor, user=owner, role=VendorMember.Role.OWNER)
    return product


def test_shoppers_browse_sign_in_and_check_out_while_redis_is_down(
    client, django_user_model, shop, store_on_private_redis, caplog, settings
):
    redis_server = store_on_private_redis
    settings.NOTIFICATION_SWEEP_AFTER_SECONDS = 0
    caplog.set_level(logging.INFO, logger=REDIS_LOG)
    make_shopper(django_user_model, "before")
    make_shopper(django_user_model, "during")
    earlier, later = client, Client()
    assert sign_in(earlier, "before").status_code == 302  # session cached in Redis
    assert set(browse(later, shop).values()) == {200}  # pages cached in Redis

    redis_server.stop()
    pages = browse(later, shop)
    still_signed_in = earlier.get(reverse("orders:history"), **EN)
    first_order = check_out(earlier, shop)
    signing_in = sign_in(later, "during")
    second_order = check_out(later, shop)
    pages_signed_in = browse(later, shop)

    assert pages == dict.fromkeys(pages, 200)
    assert pages_signed_in == dict.fromkeys(pages, 200)
    assert still_signed_in.status_code == 200
    assert signing_in.status_code == 302
    orders = {o.shopper.username: o for o in Order.objects.select_related("shopper")}
    assert set(orders) == {"before", "during"}
    assert first_order["Location"] == reverse("orders:detail", args=[orders["before"].number])
    assert second_order["Location"] == reverse("orders:detail", args=[orders["during"].number])
    assert earlier.get(first_order["Location"], **EN).status_code == 200
    # Nothing could be handed to Celery: the messages wait in the outbox.
    assert Notification.objects.filter(state=Notification.State.PENDING).count() == 4
    assert mail.outbox == []
    # Dozens of cache calls failed; the log said so once.
    assert len(redis_log(caplog, "is unreachable")) == 1

    redis_server.start()  # the same port, empty
    time.sleep(0.3)  # the process tries Redis again after RETRY_SECONDS
    point_celery_at(redis_server.url, eager=True)  # the worker, in this process
    swept = resend_pending_notifications_task()  # beat's sweep, a minute later
    swept_again = resend_pending_notifications_task()  # and the next one finds nothing

    assert (swept, swept_again) == (4, 0)
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == [
        "before@example.cn",
        "during@example.cn",
        "grower@example.cn",
        "grower@example.cn",
    ]
    assert len({message.extra_headers["Message-ID"] for message in mail.outbox}) == 4
    assert Notification.objects.filter(state=Notification.State.SENT).count() == 4
    assert earlier.get(reverse("orders:history"), **EN).status_code == 200
    assert browse(later, shop) == dict.fromkeys(pages, 200)
    assert len(redis_log(caplog, "reachable again")) == 1
    assert len(redis_log(caplog, "is unreachable")) == 1


def test_a_redis_that_hangs_costs_one_timeout_not_one_per_call(
    client, shop, store_on_private_redis, settings
):
    redis_server = store_on_private_redis
    settings.CACHES = {"default": {**settings.CACHES["default"], "RETRY_SECONDS": 30}}
    assert set(browse(client, shop).values()) == {200}
    redis_server.hang()
    timings, statuses = [], []

    def shopper():
        try:
            for _ in range(3):
                started = time.monotonic()
                statuses.append(browse(client, shop))
                timings.append(time.monotonic() - started)
        finally:
            connection.close()  # this thread's own

    browsing = threading.Thread(target=shopper, daemon=True)
    browsing.start()
    browsing.join(timeout=20)

    assert not browsing.is_alive(), "pages wait for a Redis that does not answer"
    assert statuses == [dict.fromkeys(statuses[0], 200)] * 3
    # The first round waits for one socket timeout (0.5 s), the others for none: a wait
    # per cache call would be several seconds a round (four pages, a few calls each).
    assert timings[0] < settings.REDIS_TIMEOUT_SECONDS + 1
    assert max(timings[1:]) < 1


def test_a_shopper_signed_out_during_the_outage_stays_out_once_redis_is_back(
    settings, redis_server, transactional_db, django_user_model
):
    """A Redis restarted from its snapshot still holds the session as it was before the
    outage; the sign-out the database saw meanwhile must win."""
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": redis_server.url,
            "RETRY_SECONDS": 0.2,
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    make_shopper(django_user_model, "leaver")
    browser = Client()
    sign_in(browser, "leaver")
    copied_cookie = browser.cookies[settings.SESSION_COOKIE_NAME].value

    redis_server.stop(keep_data=True)
    signed_out = browser.post(reverse("logout"), **EN)
    redis_server.start()
    time.sleep(0.3)
    other_browser = Client()
    other_browser.cookies[settings.SESSION_COOKIE_NAME] = copied_cookie
    answer = other_browser.get(reverse("orders:history"), **EN)

    assert signed_out.status_code == 302
    assert answer.status_code == 302
    assert answer["Location"] == f"{reverse('login')}?next={reverse('orders:history')}"


def test_while_one_thread_drops_the_stale_keys_the_others_still_miss(settings, redis_server):
    """A Redis that kept its data is back: until the stale keys are gone, no thread may
    read one of them (an old session, an old catalog revision)."""
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": redis_server.url, "RETRY_SECONDS": 0}
    }
    cache.set("revision", "before")
    redis_server.stop(keep_data=True)
    cache.set("revision", "during the outage")  # not written: remembered as stale
    redis_server.start()
    watch = cache._watch
    recovering = watch.take_stale()  # another thread has begun the recovery

    while_recovering = cache.get("revision", "a miss")
    cache._cache.get_client(write=True).delete(*recovering[0])
    watch.recovered(len(recovering[0]), recovering[1])
    after = cache.get("revision", "a miss")

    assert recovering[0] == [cache.make_key("revision")]
    assert (while_recovering, after) == ("a miss", "a miss")


def test_a_failed_publish_after_checkout_leaves_the_order_placed_and_its_messages_pending(
    client, django_user_model, shop, store_on_private_redis, caplog, monkeypatch
):
    """The cache answers but the broker does not (a Redis lost between the two calls)."""
    monkeypatch.setattr(notifications, "_publish_warnings", {"at": None, "missed": 0})
    point_celery_at(f"redis://127.0.0.1:{free_port()}/0", eager=False)
    caplog.set_level(logging.WARNING, logger="notifications.services")
    make_shopper(django_user_model, "buyer")
    sign_in(client, "buyer")

    placed = [check_out(client, shop) for _ in range(3)]

    numbers = list(Order.objects.order_by("pk").values_list("number", flat=True))
    assert [r["Location"] for r in placed] == [reverse("orders:detail", args=[n]) for n in numbers]
    assert Notification.objects.filter(state=Notification.State.PENDING).count() == 6
    warnings = [r for r in caplog.records if r.name == "notifications.services"]
    assert [r.getMessage().split(" (")[0] for r in warnings] == ["could not queue a delivery"]


def test_stream_counters_answer_with_what_they_can_while_redis_is_down(db, store_on_private_redis):
    now = timezone.now()
    live = LiveStream.objects.create(
        title="潜江小龙虾直播间",
        slug="qianjiang-live",
        host_name="副市长",
        host_title="潜江市副市长",
        county=County.objects.get(slug="qianjiang-city"),
        scheduled_start=now - timedelta(hours=1),
        scheduled_end=now + timedelta(hours=2),
        state=LiveStream.State.LIVE,
    )
    url = reverse("livestream:counters", args=[live.slug])
    viewers = [Client(), Client()]
    for viewer in viewers:
        viewer.get(live.get_absolute_url(), **EN)
        viewer.get(url, **EN)

    store_on_private_redis.stop()
    answers = [viewer.get(url, **EN) for viewer in [*viewers, Client()]]

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    for answer in answers:
        html = answer.content.decode()
        assert '<dd data-counter="watching">2</dd>' in html  # as last read from Redis
        assert '<dd data-counter="viewers">2</dd>' in html
        assert '<dd data-counter="orders">0</dd>' in html  # from the database


def test_staff_rebuilding_impact_days_while_the_broker_is_down_get_a_message_not_a_500(
    admin_client, db, store_on_private_redis
):
    point_celery_at(f"redis://127.0.0.1:{free_port()}/0", eager=False)
    day = DailySales.objects.create(day=timezone.localdate(), dimension=Dimension.ALL, key=0)

    response = admin_client.post(
        reverse("admin:orders_dailysales_changelist"),
        {"action": "rebuild_days", "_selected_action": [day.pk]},
        follow=True,
        **EN,
    )

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [str(QUEUE_UNREACHABLE)]


def test_the_log_says_redis_is_down_once_a_minute_and_once_that_it_is_back(
    client, shop, store_on_private_redis, caplog, monkeypatch
):
    caplog.set_level(logging.INFO, logger=REDIS_LOG)
    store_on_private_redis.stop()

    for _ in range(3):
        browse(client, shop)
        time.sleep(0.25)  # past RETRY_SECONDS: each round tries Redis again
    monkeypatch.setattr(redis_cache, "LOG_EVERY_SECONDS", 0)  # a minute has passed
    cache.get("anything")
    monkeypatch.setattr(redis_cache, "LOG_EVERY_SECONDS", 60)
    for _ in range(3):
        time.sleep(0.25)
        browse(client, shop)
    store_on_private_redis.start()
    time.sleep(0.25)
    browse(client, shop)
    browse(client, shop)

    lines = [
        r.getMessage().split(" (")[0].split(" after")[0]
        for r in caplog.records
        if r.name == REDIS_LOG
    ]
    where = f"Redis at {store_on_private_redis.url}"
    assert lines == [
        f"{where} is unreachable",
        f"{where} still unreachable",
        f"{where} is reachable again",
    ]

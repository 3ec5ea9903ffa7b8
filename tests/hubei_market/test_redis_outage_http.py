"""A Redis outage seen from outside (issue #15, item 1): gunicorn with two workers on the
production profile (DEBUG off, a secret key, the test database, a Redis of the test's
own), driven over HTTP while that Redis is stopped; then Redis is back, a Celery worker
sends the outbox to a real SMTP server, and each message arrives once.
"""

import http.cookiejar
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.urls import reverse

from hubei_market.celery import app as celery_app
from orders.models import Notification, Order
from orders.tasks import resend_pending_notifications_task
from tests.hubei_market.test_redis_outage import (
    RedisServer,
    make_shopper,
    point_celery_at,
    pytestmark,  # noqa: F401 - the same skips: PostgreSQL + Redis, redis-server installed
    shop,  # noqa: F401 - fixture
)
from tests.support.processes import ROOT, service_env, start_gunicorn, start_worker

SECRET_KEY = "a-production-secret-for-the-outage-test-5c0b9e1d7a3f8e2c6b4d0a9f"


class Browser:
    """A shopper's browser over HTTP: cookies kept, redirects not followed (their
    status and Location are what we check), every answer's status recorded."""

    def __init__(self, base):
        self.base = base
        self.statuses = []
        self.cookies = http.cookiejar.CookieJar()

        class NoRedirects(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirects())

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body,
                                         headers={"Accept-Language": "en"})
        try:
            with self.opener.open(request, timeout=30) as response:
                answer = (response.status, response.headers, response.read().decode())
        except urllib.error.HTTPError as error:
            answer = (error.code, error.headers, error.read().decode(errors="replace"))
        self.statuses.append((path, answer[0]))
        return answer

    def csrf(self):
        return next(c.value for c in self.cookies if c.name == "csrftoken")

    def sign_in(self, username):
        self.request(reverse("login"))
        return self.request(reverse("login"), {
            "username": username, "password": "a-shopper-password",
            "csrfmiddlewaretoken": self.csrf()})

    def check_out(self, product):
        self.request(reverse("orders:cart_add", args=[product.pk]),
                     {"quantity": 1, "csrfmiddlewaretoken": self.csrf()})
        page = self.request(reverse("orders:checkout"))
        if page[0] != 200:
            return page
        html = page[2]
        return self.request(reverse("orders:checkout"), {
            "address": re.search(r'name="address" value="(\d+)"', html)[1],
            "payment_method": "cod",
            "idempotency_key": re.search(r'name="idempotency_key" value="([0-9a-f]+)"',
                                         html)[1],
            "csrfmiddlewaretoken": self.csrf()})

    def browse(self, product):
        paths = [reverse("catalog:home"), reverse("catalog:product_list"),
                 reverse("catalog:product", args=[product.slug]), reverse("orders:impact")]
        return {path: self.request(path)[0] for path in paths}


@pytest.fixture
def production_env(tmp_path, smtp_server):
    """The store's environment on the production profile, static files collected."""
    redis_server = RedisServer(tmp_path)
    redis_server.start()
    env = service_env(
        redis_url=redis_server.url, smtp=smtp_server, DEBUG="0", SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1", SITE_URL="http://127.0.0.1", STATIC_ROOT=tmp_path / "static",
        # Plain HTTP on 127.0.0.1: no redirect to HTTPS, cookies sent without TLS.
        SECURE_SSL_REDIRECT="0", SESSION_COOKIE_SECURE="0", CSRF_COOKIE_SECURE="0",
        NOTIFICATION_BATCH_SECONDS="0", BANK_TRANSFER_PAYEE="湖北集市电子商务有限公司",
        BANK_TRANSFER_BANK="中国银行武汉江汉支行", BANK_TRANSFER_ACCOUNT="5720 1234 5678 9012")
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"], cwd=ROOT,
                   env=env, check=True, capture_output=True, timeout=120)
    original_broker = celery_app.conf.broker_url
    yield redis_server, env
    point_celery_at(original_broker, eager=True)
    redis_server.close()


def test_over_http_every_page_answers_and_orders_are_placed_while_redis_is_down(
        shop, django_user_model, production_env, smtp_server, tmp_path, settings):  # noqa: F811
    redis_server, env = production_env
    # The server checks passwords with the production hashers, not the suite's fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    make_shopper(django_user_model, "before")
    make_shopper(django_user_model, "during")
    server = start_gunicorn(env, tmp_path / "gunicorn.log", workers=2)
    try:
        earlier, later = Browser(server.url), Browser(server.url)
        assert earlier.sign_in("before")[0] == 302
        assert set(later.browse(shop).values()) == {200}

        redis_server.stop()
        pages = later.browse(shop)
        still_signed_in = earlier.request(reverse("orders:history"))[0]
        first = earlier.check_out(shop)
        signing_in = later.sign_in("during")[0]
        second = later.check_out(shop)
        first_order_page = earlier.request(first[1]["Location"])[0]
        log = server.output()
    finally:
        server.stop()

    assert pages == dict.fromkeys(pages, 200)
    assert still_signed_in == 200
    assert signing_in == 302
    numbers = dict(Order.objects.values_list("shopper__username", "number"))
    assert (first[0], first[1]["Location"]) == (
        302, reverse("orders:detail", args=[numbers["before"]]))
    assert (second[0], second[1]["Location"]) == (
        302, reverse("orders:detail", args=[numbers["during"]]))
    assert first_order_page == 200
    assert [s for s in earlier.statuses + later.statuses if s[1] >= 500] == []
    assert "Internal Server Error" not in log
    # Each gunicorn worker that met the outage said so once.
    assert 1 <= log.count("is unreachable") <= 2
    assert smtp_server.messages == []
    assert Notification.objects.filter(state=Notification.State.PENDING).count() == 4

    redis_server.start()  # the same port, empty: every queued task was lost with it
    settings.NOTIFICATION_SWEEP_AFTER_SECONDS = 0
    worker = start_worker(env, tmp_path / "worker.log")
    try:
        point_celery_at(redis_server.url, eager=False)  # this process plays beat
        # The worker delivers what is pending as it starts; beat's sweep, racing it, hands
        # over what is still pending: neither may send a message twice.
        resend_pending_notifications_task()
        delivered = smtp_server.wait_for(4, timeout=60)
        swept_again = resend_pending_notifications_task()  # the next minute's: nothing
    finally:
        worker.stop()

    assert delivered, worker.output()[-3000:]
    assert swept_again == 0
    assert sorted(smtp_server.deliveries().values()) == [1, 1, 1, 1]
    assert sorted(r for m in smtp_server.messages for r in m.recipients) == [
        "before@example.cn", "during@example.cn", "grower@example.cn", "grower@example.cn"]
    assert Notification.objects.filter(state=Notification.State.SENT).count() == 4

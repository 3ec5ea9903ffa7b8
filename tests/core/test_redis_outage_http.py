"""A Redis outage seen from outside (issue #15, item 1): gunicorn with two workers on the
production profile (DEBUG off, a secret key, the test database, a Redis of the test's
own), driven over HTTP while that Redis is stopped; then Redis is back, a Celery worker
sends the outbox to a real SMTP server, and each message arrives once.
"""

import pytest
from django.urls import reverse

from hubei_market.celery import app as celery_app
from notifications.models import Notification
from notifications.tasks import resend_pending_notifications_task
from orders.models import Order
from tests.core.test_redis_outage import (
    RedisServer,
    make_shopper,
    point_celery_at,
    pytestmark,  # noqa: F401 - the same skips: PostgreSQL + Redis, redis-server installed
    shop,  # noqa: F401 - fixture
)
from tests.support.processes import Processes
from tests.support.web import Browser
from tests.support.web import production_env as store_env


@pytest.fixture
def production_env(tmp_path, smtp_server):
    """The store's environment on the production profile, static files collected."""
    redis_server = RedisServer(tmp_path)
    redis_server.start()
    env = store_env(
        tmp_path / "static",
        redis_url=redis_server.url,
        smtp=smtp_server,
        NOTIFICATION_BATCH_SECONDS="0",
    )
    original_broker = celery_app.conf.broker_url
    yield redis_server, env
    point_celery_at(original_broker, eager=True)
    redis_server.close()


def test_over_http_every_page_answers_and_orders_are_placed_while_redis_is_down(
    shop,  # noqa: F811 - the fixture imported above
    django_user_model,
    production_env,
    smtp_server,
    tmp_path,
    settings,
):
    redis_server, env = production_env
    # The server checks passwords with the production hashers, not the suite's fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    make_shopper(django_user_model, "before")
    make_shopper(django_user_model, "during")
    with Processes(tmp_path) as started:
        server = started.gunicorn(env, workers=2)
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

    assert pages == dict.fromkeys(pages, 200)
    assert still_signed_in == 200
    assert signing_in == 302
    numbers = dict(Order.objects.values_list("shopper__username", "number"))
    assert (first[0], first[1]["Location"]) == (
        302,
        reverse("orders:detail", args=[numbers["before"]]),
    )
    assert (second[0], second[1]["Location"]) == (
        302,
        reverse("orders:detail", args=[numbers["during"]]),
    )
    assert first_order_page == 200
    assert [s for s in earlier.statuses + later.statuses if s[1] >= 500] == []
    assert "Internal Server Error" not in log
    # Each gunicorn worker that met the outage said so once.
    assert 1 <= log.count("is unreachable") <= 2
    assert smtp_server.messages == []
    assert Notification.objects.filter(state=Notification.State.PENDING).count() == 4

    redis_server.start()  # the same port, empty: every queued task was lost with it
    settings.NOTIFICATION_SWEEP_AFTER_SECONDS = 0
    with Processes(tmp_path) as started:
        worker = started.worker(env)
        point_celery_at(redis_server.url, eager=False)  # this process plays beat
        # The worker delivers what is pending as it starts; beat's sweep, racing it, hands
        # over what is still pending: neither may send a message twice.
        resend_pending_notifications_task()
        delivered = smtp_server.wait_for(4, timeout=60)
        swept_again = resend_pending_notifications_task()  # the next minute's: nothing

    assert delivered, worker.output()[-3000:]
    assert swept_again == 0
    assert sorted(smtp_server.deliveries().values()) == [1, 1, 1, 1]
    assert sorted(r for m in smtp_server.messages for r in m.recipients) == [
        "before@example.cn",
        "during@example.cn",
        "grower@example.cn",
        "grower@example.cn",
    ]
    assert Notification.objects.filter(state=Notification.State.SENT).count() == 4

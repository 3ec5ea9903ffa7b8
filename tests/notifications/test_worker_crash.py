"""A Celery worker SIGKILLed in the middle of a batch, with a real SMTP server and Redis.

The SMTP server takes 50 ms per message, so the worker is killed while it sends; another
starts (as an operator, or systemd, would). What the mail server received is counted per
Message-ID.
"""

import shutil
import time

import pytest
from django.conf import settings

from catalog.messages import VENDOR_APPROVED
from notifications.models import Notification
from tests.support.processes import Processes, service_env

MESSAGES = 160
pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql"
    or not settings.REDIS_URL
    or shutil.which("redis-server") is None,
    reason="needs PostgreSQL, Redis and redis-server: the worker runs in its own process, "
    "and SQLite's test database lives in this one's memory",
)


def pending_messages(django_user_model):
    """MESSAGES pending notifications to real addresses, whose hand-over to Celery was
    lost: nobody has asked for their delivery."""
    users = django_user_model.objects.bulk_create(
        django_user_model(username=f"owner-{i}", email=f"owner-{i}@example.cn")
        for i in range(MESSAGES)
    )
    return Notification.objects.bulk_create(
        Notification(
            recipient=user,
            kind=VENDOR_APPROVED,
            context={"vendor": f"秭归果业 {i}"},
            dedupe_key=f"approved:{user.pk}",
        )
        for i, user in enumerate(users)
    )


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_sends_at_most_one_twice_and_loses_none(
    django_user_model, smtp_server, private_redis, tmp_path
):
    messages = pending_messages(django_user_model)
    smtp_server.delay = 0.05
    env = service_env(redis_url=private_redis.url, smtp=smtp_server)
    with Processes(tmp_path) as started:
        first = started.worker(env, "first")  # starts: delivers what is pending
        assert smtp_server.wait_for(40, timeout=60), first.output()[-3000:]
        first.kill()  # SIGKILL to the worker's process group, mid-batch
        killed_at = time.monotonic()
        before_kill = smtp_server.distinct()
        second = started.worker(env, "second")
        second_ready = time.monotonic()
        all_arrived = smtp_server.wait_for(MESSAGES, timeout=90 - (time.monotonic() - killed_at))
        while (
            Notification.objects.filter(state="pending").exists()
            and time.monotonic() - killed_at < 90
        ):
            time.sleep(0.2)  # the last "sent" is written just after the server's 250
        pending_after_90_s = Notification.objects.filter(state="pending").count()

    assert 40 <= before_kill < MESSAGES  # killed in the middle, not before or after
    assert all_arrived, second.output()[-3000:]
    deliveries = smtp_server.deliveries()
    assert set(deliveries) == {f"<notification-{m.pk}@hubei-market>" for m in messages}
    duplicates = smtp_server.duplicates()
    assert len(duplicates) <= 1 and set(duplicates.values()) <= {2}, duplicates
    assert pending_after_90_s == 0
    assert Notification.objects.filter(state="sent").count() == MESSAGES
    # Only the message in flight waited for its claim (30 s) to run out; nothing stalled.
    late = [m.message_id for m in smtp_server.messages if m.at > second_ready + 20]
    assert len(late) <= 1, late
    assert max(m.at for m in smtp_server.messages) - killed_at < 90

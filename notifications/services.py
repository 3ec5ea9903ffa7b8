"""Writing messages (the outbox) and handing them over to Celery.

`notify` runs inside the transaction of the change it tells of, so the messages exist
exactly when the change does; they are written in INSERTs of at most
MESSAGES_PER_STATEMENT rows and handed to Celery on commit. Handing over is coalesced: a
commit queues a delivery task unless one is already waiting in the queue (a flag in the
cache), and that task, when it starts, delivers everything pending, after waiting
NOTIFICATION_BATCH_SECONDS (half a second) for the orders of that moment
(notifications.delivery). If Redis or the worker is down, the rows
stay pending and the beat sweep hands them over again.

Each kind of message is declared by the app that sends it (notifications.kinds); a
message carries its context (what rendering needs: names, the ids of the rows it is
about) and a link for the inbox.
"""

import logging
import time
from collections.abc import Iterable

from celery import signature
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from notifications.models import Notification

logger = logging.getLogger(__name__)
DELIVERY_QUEUED_KEY = "notifications:delivery-queued"
# Queued by name: the task's module calls the delivery, which hands a backlog on here.
DELIVER_PENDING_TASK = "notifications.tasks.deliver_pending_notifications_task"
# Django's PostgreSQL bulk INSERT binds one array per column, so one statement could
# carry a whole audience (a reminder sweep tells 70,000 fans at once); in batches each
# statement stays well inside the statement timeout.
MESSAGES_PER_STATEMENT = 5_000


def message(
    user_id: int, kind: str, *, key: str, context: dict | None = None, link: str = ""
) -> Notification:
    """One message, not written yet, under the dedupe key `key` as it is (for `queue`,
    when one change writes messages of several kinds or contexts in one INSERT)."""
    return Notification(
        recipient_id=user_id, kind=kind, context=context or {}, link=link, dedupe_key=key
    )


def queue(messages: Iterable[Notification]) -> list[Notification]:
    """Write the messages (in INSERTs of at most MESSAGES_PER_STATEMENT rows); a Celery
    task delivers them after commit."""
    messages = Notification.objects.bulk_create(list(messages), batch_size=MESSAGES_PER_STATEMENT)
    if messages:
        transaction.on_commit(request_delivery, robust=True)
    return messages


def notify(
    user_ids: Iterable[int], kind: str, *, key: str, context: dict | None = None, link: str = ""
) -> list[Notification]:
    """A message of `kind` to each user, under the dedupe key `<key>:<user id>` (the same
    change told twice is one message), in the transaction of the change."""
    return queue(
        message(user_id, kind, key=f"{key}:{user_id}", context=context, link=link)
        for user_id in user_ids
    )


def already_told(dedupe_keys: Iterable[str]) -> set[str]:
    """Those of `dedupe_keys` some message was written under."""
    return set(
        Notification.objects.filter(dedupe_key__in=list(dedupe_keys)).values_list(
            "dedupe_key", flat=True
        )
    )


def messages_under(prefixes: Iterable[str], *, user_ids: Iterable[int]) -> list[Notification]:
    """The messages to `user_ids` whose dedupe keys start with one of `prefixes`, oldest
    first, with their keys and contexts only."""
    query = Notification.objects.none()
    for prefix in prefixes:
        query |= Notification.objects.filter(dedupe_key__startswith=prefix)
    return list(
        query.filter(recipient_id__in=set(user_ids))
        .only("pk", "dedupe_key", "context")
        .order_by("pk")
    )


def request_delivery() -> None:
    """Queue a delivery of everything pending, unless one is queued and not started yet
    (it will see these rows: they are committed before it claims). It starts after
    NOTIFICATION_BATCH_SECONDS, so the orders of that moment go in one batch. The flag
    expires by itself, should a queued task be lost; the beat sweep covers that too.

    Runs after commit, so it never raises: if the broker is unreachable the rows stay
    pending for the beat sweep (resend_pending_notifications_task), and the log says so
    at most once a minute. While Redis is down the cache cannot set the flag, so nothing
    is published at all."""
    try:
        if not cache.add(DELIVERY_QUEUED_KEY, 1, settings.NOTIFICATION_QUEUED_SECONDS):
            return
    except Exception:  # noqa: BLE001 - a cache outage must not undo a placed order
        _publish_failed("could not set the delivery flag")
        return
    try:
        signature(DELIVER_PENDING_TASK).type.apply_async(
            countdown=settings.NOTIFICATION_BATCH_SECONDS
        )
    except Exception:  # noqa: BLE001 - the order is committed: the sweep sends its messages
        _publish_failed("could not queue a delivery")
        try:
            cache.delete(DELIVERY_QUEUED_KEY)  # not queued: the next commit must try again
        except Exception:  # noqa: BLE001, S110 - the flag expires by itself
            pass


PUBLISH_WARNING_SECONDS = 60
_publish_warnings = {"at": None, "missed": 0}


def _publish_failed(what: str) -> None:
    """Log a failed hand-over to Celery, at most once a minute per process (a Redis
    outage would otherwise log every checkout)."""
    now = time.monotonic()
    last = _publish_warnings["at"]
    if last is not None and now - last < PUBLISH_WARNING_SECONDS:
        _publish_warnings["missed"] += 1
        return
    missed = _publish_warnings["missed"]
    _publish_warnings.update(at=now, missed=0)
    logger.warning(
        "%s (%d more in the last minute); pending notifications wait for the beat sweep",
        what,
        missed,
        exc_info=True,
    )


def mark_read(user: AbstractBaseUser, notifications: Iterable[Notification]) -> set[int]:
    """The messages of `user` among `notifications` (those an inbox page shows) count as
    read from now on. Returns the ids of those that were unread until now."""
    ids = {n.pk for n in notifications if n.read_at is None}
    if ids:
        Notification.objects.filter(pk__in=ids, recipient=user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    return ids

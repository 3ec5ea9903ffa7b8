"""Delivering the outbox: claims, retries, the sweep's reads.

A delivery task, when it starts, delivers everything pending in batches of up to
DELIVERY_BATCH, with one mail connection per batch instead of per message: four reads for
the whole batch (the messages with their recipients, then what their kinds' loaders
bring: an order's messages, their orders, parts and lines), then one statement per
message. The worker renders each message (in its recipient's language, from the order as
it is) and delivers it.

Delivery claims one message at a time, for NOTIFICATION_CLAIM_SECONDS (30 s), just
before sending it, sends outside any lock (never once its claim has run out), and marks
it sent as soon as the mail server has accepted it, in the same statement that claims
the next one. So a worker killed mid-batch holds one message: the others are pending and
unclaimed, taken by the next delivery at once (a worker that starts asks for one), and
that one is taken after its claim runs out. It is the only message a crash can send
twice, and its Message-ID (fixed per notification) lets mail systems drop the repeat. A
message the mail server refused waits before the next try, twice as long each time
(`retry_delay`), so a mail outage is not hammered by every new order.
"""

import functools
import logging
import smtplib
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from celery import signature
from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from notifications import kinds
from notifications.models import Notification
from notifications.password_reset import PASSWORD_RESET_BATCH, expand_password_reset_requests
from notifications.rendering import render_notification
from notifications.services import DELIVER_PENDING_TASK, DELIVERY_QUEUED_KEY, request_delivery

logger = logging.getLogger(__name__)
SWEEP_BATCH = 500
TASK_BATCH = 50  # notifications handed to one Celery task by the sweep
DELIVERY_BATCH = 200  # pending notifications one delivery reads at a time (claims: one)
DELIVERY_MAX_SECONDS = 60  # then a delivery task hands the rest of a backlog to another


def deliver_pending(max_seconds: float = DELIVERY_MAX_SECONDS) -> int:
    """Deliver the pending notifications nobody is on, in batches; returns how many were
    sent. Clears the "queued" flag first, so a commit from now on queues again. After
    `max_seconds` with more still pending it queues another delivery and stops, so one
    task stays well inside Celery's time limit however large the backlog. A message the
    mail server refused waits for its retry (it is logged), and the others go on. Waiting
    password reset requests are expanded into their messages before each batch."""
    try:
        cache.delete(DELIVERY_QUEUED_KEY)
    except Exception:  # noqa: BLE001 - a cache outage must not stop the mail
        logger.warning("could not clear the delivery flag", exc_info=True)
    started, sent = time.monotonic(), 0
    while True:
        # Reset requests become messages first, a batch each round, so a flood of them
        # neither waits for the sweep nor holds up the other mail.
        requests_left = expand_password_reset_requests() == PASSWORD_RESET_BATCH
        batch = list(_candidates(Notification.objects.all())[:DELIVERY_BATCH])
        if batch:
            count, _failure = _send(batch)  # each failure is logged and waits for its retry
            sent += count
        if len(batch) < DELIVERY_BATCH and not requests_left:
            return sent
        if time.monotonic() - started > max_seconds:
            request_delivery()  # the rest, in a task of its own
            return sent


def deliver_after_worker_start(**_signal: Any) -> None:
    """celery's worker_ready: deliver what is pending now (what a dead worker left
    unclaimed, and anything whose hand-over was lost), and again once the claim a dead
    worker may still hold has run out, so a restarted worker sends everything within
    NOTIFICATION_CLAIM_SECONDS, beat or not."""
    try:
        task = signature(DELIVER_PENDING_TASK).type
        task.apply_async()
        task.apply_async(countdown=settings.NOTIFICATION_CLAIM_SECONDS + 1)
    except Exception:  # noqa: BLE001 - the broker is down: beat's sweep covers it
        logger.warning("could not queue a delivery at worker start", exc_info=True)


def _claimable(notifications: QuerySet, now: datetime) -> QuerySet:
    """Pending, and not claimed (or the claim ran out: a dead worker, a retry's wait)."""
    return notifications.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now), state=Notification.State.PENDING
    )


def _candidates(notifications: QuerySet) -> QuerySet:
    """Those of `notifications` a delivery may try now, oldest first, with their
    recipients (their kinds' loaders bring the rest): nothing is claimed yet (each is,
    just before it is sent)."""
    return (
        _claimable(notifications, timezone.now())
        .select_related("recipient__language_preference")
        .order_by("pk")
    )


def retry_delay(attempts: int) -> timedelta:
    """How long a message the mail server refused waits before the next try: 30 s after
    the first failure, doubling up to NOTIFICATION_RETRY_MAX_SECONDS."""
    return timedelta(
        seconds=min(settings.NOTIFICATION_RETRY_MAX_SECONDS, 30 * 2 ** max(0, attempts - 1))
    )


def deliver_notifications(notification_ids: Iterable[int]) -> int:
    """Send those of `notification_ids` still pending that nobody else is on.

    One mail connection for all; one failing does not hold up the others. Returns how
    many this call sent. A failed one stays pending, claimed for `retry_delay` (the next
    delivery or the beat sweep tries it after that), and the first failure is re-raised
    after trying them all, for the caller to see.
    """
    sent, first_error = _send(
        list(_candidates(Notification.objects.filter(pk__in=notification_ids)))
    )
    if first_error is not None:
        raise first_error
    return sent


def _send(candidates: Iterable[Notification]) -> tuple[int, Exception | None]:
    """(how many were sent, the first failure or None): see deliver_notifications.

    Each message is claimed just before it is sent and marked sent just after the mail
    server accepted it, in one statement with the next one's claim: at any moment this
    worker holds one message, and a crash leaves the others pending and free.
    """
    candidates = list(candidates)
    if not candidates:
        return 0, None
    kinds.load_contexts(candidates)  # a few queries for the whole batch
    mail = get_connection(fail_silently=False)
    try:
        mail.open()
    except Exception as error:  # noqa: BLE001 - the mail server is down: all wait to retry
        logger.warning("mail server unreachable, %s notifications wait: %s", len(candidates), error)
        _close(mail)  # a half-open connection (TLS or login refused) lets its socket go
        _wait_for_retry([n.pk for n in candidates], error)
        return 0, error
    sent, first_error, accepted = 0, None, None  # accepted: sent, not marked yet
    try:
        for notification in candidates:
            claimed_until = _mark_sent_and_claim(accepted, notification)
            accepted = None
            if claimed_until is None:
                continue  # another worker is on it, or sent it
            try:
                try:
                    delivered = _send_claimed(mail, notification, claimed_until)
                except Exception as error:  # noqa: BLE001 - a dropped connection: once more
                    if not (_connection_lost(error) and _reopen(mail)):
                        raise
                    delivered = _send_claimed(mail, notification, claimed_until)
                if delivered:
                    accepted = notification
                    sent += 1
            except Exception as error:  # noqa: BLE001 - recorded, then reported
                logger.warning("notification %s not delivered: %s", notification.pk, error)
                _hold_after_failure(notification, error)
                first_error = first_error or error
                if _connection_lost(error):
                    break  # no connection to be had: the rest stay unclaimed, for the next
    finally:
        try:
            if accepted is not None:  # whatever happens, what went out is recorded as sent
                _mark_sent_and_claim(accepted, None)  # before QUIT, which may hang
        finally:
            _close(mail)
    return sent, first_error


def _connection_lost(error: Exception) -> bool:
    """The mail server dropped the connection: every later send on it would fail at once
    ("please run connect() first"). 421 is how a server says it is closing (a limit of
    messages per connection, say); smtplib closes its side then."""
    return isinstance(error, smtplib.SMTPServerDisconnected) or (
        isinstance(error, smtplib.SMTPResponseException) and error.smtp_code == 421
    )


def _reopen(mail: BaseEmailBackend) -> bool:
    """A new connection to the mail server in place of a dropped one; False if none."""
    _close(mail)
    try:
        mail.open()
    except Exception as error:  # noqa: BLE001 - the caller holds the message for its retry
        logger.warning("mail server dropped the connection and cannot be reached: %s", error)
        _close(mail)
        return False
    return True


def _send_claimed(
    mail: BaseEmailBackend, notification: Notification, claimed_until: datetime
) -> bool:
    """Render and send one message this worker has claimed until `claimed_until`; False,
    sending nothing, if the claim could run out before the send ends (another worker may
    then take it over).
    Its subject and body are kept on it, for the inbox."""
    notification.subject, notification.body = render_notification(notification)
    # Sending takes up to SMTP_EXCHANGES_PER_MESSAGE exchanges of EMAIL_TIMEOUT each: all
    # must end before the claim does, or another worker could take it over and send it too.
    longest_send = timedelta(
        seconds=settings.SMTP_EXCHANGES_PER_MESSAGE * (settings.EMAIL_TIMEOUT or 0)
    )
    if timezone.now() + longest_send >= claimed_until:
        logger.warning(
            "notification %s: claim ran out before sending, left to others", notification.pk
        )
        return False
    if notification.recipient.email:
        EmailMessage(
            notification.subject,
            notification.body,
            to=[notification.recipient.email],
            headers={"Message-ID": f"<notification-{notification.pk}@hubei-market>"},
            connection=mail,
        ).send()
    if not kinds.get(notification.kind).keep_body:
        # Whoever holds a reset link holds the account: it goes by email only, and the
        # row (read by staff in the admin) keeps no copy of it.
        notification.body = ""
    return True


def _close(mail: BaseEmailBackend) -> None:
    try:
        mail.close()
    except Exception:  # noqa: BLE001 - the messages went; a failed QUIT changes nothing
        logger.warning("closing the mail connection failed", exc_info=True)


def _mark_sent_and_claim(sent: Notification | None, claim: Notification | None) -> datetime | None:
    """Mark `sent` (a message the mail server accepted, or None) sent, with its subject
    and body, and claim `claim` (or None) for NOTIFICATION_CLAIM_SECONDS if it is still
    pending and free: one statement on PostgreSQL, two elsewhere. Returns the claim's
    end, or None if `claim` was not taken. The claim counts an attempt."""
    now = timezone.now()
    claimed_until = now + timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS)
    if connection.vendor != "postgresql":
        if sent is not None:
            Notification.objects.filter(pk=sent.pk).update(
                state=Notification.State.SENT,
                sent_at=now,
                claimed_until=None,
                last_error="",
                subject=sent.subject,
                body=sent.body,
            )
        if claim is None:
            return None
        taken = _claimable(Notification.objects.filter(pk=claim.pk), now).update(
            claimed_until=claimed_until, attempts=F("attempts") + 1
        )
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                _mark_sent_and_claim_sql(),
                [
                    Notification.State.SENT.value,
                    now,
                    sent.subject if sent else None,
                    sent.body if sent else None,
                    sent.pk if sent else None,
                    claimed_until,
                    claim.pk if claim else None,
                    Notification.State.PENDING.value,
                    now,
                ],
            )
            taken = cursor.rowcount
    if not taken:
        return None
    claim.claimed_until = claimed_until
    return claimed_until


@functools.cache
def _mark_sent_and_claim_sql() -> str:
    """One round trip per message: marks the previous message sent (a data-modifying
    WITH) and claims the next if it is still pending and free. Its shape never changes
    (a None id matches no row), so PostgreSQL prepares it once per connection."""
    quote, meta = connection.ops.quote_name, Notification._meta
    table = quote(meta.db_table)
    pk, state, sent_at, claimed, last_error, subject, body, attempts = (
        quote(meta.get_field(name).column)
        for name in (
            "id",
            "state",
            "sent_at",
            "claimed_until",
            "last_error",
            "subject",
            "body",
            "attempts",
        )
    )
    return (
        f"WITH sent AS (UPDATE {table} SET {state} = %s, {sent_at} = %s, "
        f"{claimed} = NULL, {last_error} = '', {subject} = %s::text, {body} = %s::text "
        f"WHERE {pk} = %s::bigint) "
        f"UPDATE {table} SET {claimed} = %s, {attempts} = {attempts} + 1 "
        f"WHERE {pk} = %s::bigint AND {state} = %s AND ({claimed} IS NULL OR {claimed} < %s)"
    )


def _hold_after_failure(notification: Notification, error: Exception) -> None:
    """A claimed message the mail server refused: pending, claimed for its retry's wait."""
    # Pending only: a row another worker sent meanwhile keeps its state and no error.
    Notification.objects.filter(pk=notification.pk, state=Notification.State.PENDING).update(
        claimed_until=timezone.now() + retry_delay(notification.attempts + 1),
        last_error=str(error)[:300],
    )


def _wait_for_retry(notification_ids: list[int], error: Exception) -> None:
    """The mail server cannot be reached: those of `notification_ids` still pending and
    free count an attempt and wait for their retry (rows another worker holds are
    skipped, PostgreSQL, and then found claimed)."""
    now = timezone.now()
    with transaction.atomic():
        waiting = list(
            _claimable(Notification.objects.select_for_update(skip_locked=True, of=("self",)), now)
            .filter(pk__in=notification_ids)
            .order_by("pk")
            .only("pk", "attempts")
        )
        for notification in waiting:
            notification.attempts += 1
            notification.claimed_until = now + retry_delay(notification.attempts)
            notification.last_error = str(error)[:300]
        Notification.objects.bulk_update(waiting, ["attempts", "claimed_until", "last_error"])


def deliver_notification(notification_id: int) -> bool:
    """Send one notification; True when this call sent it (see deliver_notifications)."""
    return deliver_notifications([notification_id]) == 1


def pending_notification_ids() -> list[int]:
    """What the beat sweep hands to Celery again: pending, unclaimed, not brand new."""
    now = timezone.now()
    older_than_seconds = settings.NOTIFICATION_SWEEP_AFTER_SECONDS
    return list(
        _claimable(Notification.objects.all(), now)
        .filter(created_at__lt=now - timedelta(seconds=older_than_seconds))
        .order_by("created_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )

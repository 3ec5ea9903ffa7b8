"""Writing and delivering notifications (the outbox).

`notify_*` functions run inside the transaction of the change they tell of, so the
messages exist exactly when the change does; they are written in one INSERT and handed
to Celery on commit. Handing over is coalesced: a commit queues a delivery task unless
one is already waiting in the queue (a flag in the cache), and that task, when it starts,
delivers everything pending, after waiting NOTIFICATION_BATCH_SECONDS (half a second)
for the orders of that moment. So a quiet store sends each message within a second, and
a busy one (a flash sale's hundreds of orders a second) sends them in batches of up to
DELIVERY_BATCH, with one task and one mail connection per batch instead of per order:
four reads for the whole batch, then one statement per message. The worker renders each
message (in its recipient's language) and delivers it.

If Redis or the worker is down, the rows stay pending and the beat sweep hands them over
again. Delivery claims one message at a time, for NOTIFICATION_CLAIM_SECONDS (30 s),
just before sending it, sends outside any lock (never once its claim has run out), and
marks it sent as soon as the mail server has accepted it, in the same statement that
claims the next one. So a worker killed mid-batch holds one message: the others are
pending and unclaimed, taken by the next delivery at once (a worker that starts asks for
one), and that one is taken after its claim runs out. It is the only message a crash can
send twice, and its Message-ID (fixed per notification) lets mail systems drop the
repeat. A message the mail server refused waits before the next try, twice as long
each time (`retry_delay`), so a mail outage is not hammered by every new order.

A password reset is the exception to writing messages in the request: the request
writes a PasswordResetRequest (the same row whatever the email, so its time tells no
one which emails have an account) and the worker expands it into the messages of the
accounts with that email before it delivers (`expand_password_reset_requests`).
"""

import functools
import logging
import smtplib
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F, Prefetch, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from catalog.models import VendorMember
from core.names import in_shoppers_language
from orders.languages import language_of
from orders.models import Notification, Order, OrderLine, OrderPart, PasswordResetRequest

logger = logging.getLogger(__name__)
SWEEP_BATCH = 500
TASK_BATCH = 50  # notifications handed to one Celery task by the sweep
DELIVERY_BATCH = 200  # pending notifications one delivery reads at a time (claims: one)
DELIVERY_QUEUED_KEY = "notifications:delivery-queued"
DELIVERY_MAX_SECONDS = 60  # then a delivery task hands the rest of a backlog to another


def _queue(notifications):
    """Write the messages in one INSERT; a Celery task delivers them after commit."""
    notifications = Notification.objects.bulk_create(notifications)
    if notifications:
        transaction.on_commit(request_delivery, robust=True)
    return notifications


def request_delivery():
    """Queue a delivery of everything pending, unless one is queued and not started yet
    (it will see these rows: they are committed before it claims). It starts after
    NOTIFICATION_BATCH_SECONDS, so the orders of that moment go in one batch. The flag
    expires by itself, should a queued task be lost; the beat sweep covers that too.

    Runs after commit, so it never raises: if the broker is unreachable the rows stay
    pending for the beat sweep (resend_pending_notifications_task), and the log says so
    at most once a minute. While Redis is down the cache cannot set the flag, so nothing
    is published at all."""
    from orders.tasks import deliver_pending_notifications_task

    try:
        if not cache.add(DELIVERY_QUEUED_KEY, 1, settings.NOTIFICATION_QUEUED_SECONDS):
            return
    except Exception:  # noqa: BLE001 - a cache outage must not undo a placed order
        _publish_failed("could not set the delivery flag")
        return
    try:
        deliver_pending_notifications_task.apply_async(
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


def _publish_failed(what):
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


def deliver_pending(max_seconds=DELIVERY_MAX_SECONDS):
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


def deliver_after_worker_start(**_signal):
    """celery's worker_ready: deliver what is pending now (what a dead worker left
    unclaimed, and anything whose hand-over was lost), and again once the claim a dead
    worker may still hold has run out, so a restarted worker sends everything within
    NOTIFICATION_CLAIM_SECONDS, beat or not."""
    from orders.tasks import deliver_pending_notifications_task

    try:
        deliver_pending_notifications_task.apply_async()
        deliver_pending_notifications_task.apply_async(
            countdown=settings.NOTIFICATION_CLAIM_SECONDS + 1
        )
    except Exception:  # noqa: BLE001 - the broker is down: beat's sweep covers it
        logger.warning("could not queue a delivery at worker start", exc_info=True)


def _members_by_vendor(vendor_ids):
    members = {}
    for vendor_id, user_id in (
        VendorMember.objects.filter(vendor_id__in=vendor_ids)
        .order_by()
        .values_list("vendor_id", "user_id")
    ):
        members.setdefault(vendor_id, []).append(user_id)
    return members


def _for_shopper_and_vendors(order, parts, shopper_kind, vendor_kind, key):
    members = _members_by_vendor({part.vendor_id for part in parts})
    messages = [
        Notification(
            recipient_id=order.shopper_id,
            kind=shopper_kind,
            order=order,
            dedupe_key=f"{key}:{order.pk}",
        )
    ]
    for part in parts:
        messages += [
            Notification(
                recipient_id=user_id,
                kind=vendor_kind,
                order=order,
                part=part,
                dedupe_key=f"{key}:{part.pk}:{user_id}",
            )
            for user_id in members.get(part.vendor_id, [])
        ]
    return _queue(messages)


def notify_order_placed(order, parts):
    """The shopper's confirmation and a new-order message to each vendor's members."""
    return _for_shopper_and_vendors(
        order, parts, Notification.Kind.ORDER_PLACED, Notification.Kind.NEW_ORDER, "placed"
    )


def notify_part_shipped(part):
    return _queue(
        [
            Notification(
                recipient_id=part.order.shopper_id,
                kind=Notification.Kind.PART_SHIPPED,
                order=part.order,
                part=part,
                dedupe_key=f"shipped:{part.pk}",
            )
        ]
    )


def notify_part_cancelled(part, reason):
    """The shopper hears that one shop cannot ship its part, and why."""
    return _queue(
        [
            Notification(
                recipient_id=part.order.shopper_id,
                kind=Notification.Kind.PART_CANCELLED,
                order=part.order,
                part=part,
                context={"reason": reason},
                dedupe_key=f"part-cancelled:{part.pk}",
            )
        ]
    )


def notify_order_cancelled(order, parts):
    return _for_shopper_and_vendors(
        order,
        parts,
        Notification.Kind.ORDER_CANCELLED,
        Notification.Kind.ORDER_CANCELLED,
        "cancelled",
    )


def notify_users(user_ids, kind, *, key, context):
    """A message about no order in particular (a shop approved, say) to each user."""
    return _queue(
        [
            Notification(
                recipient_id=user_id, kind=kind, context=context, dedupe_key=f"{key}:{user_id}"
            )
            for user_id in user_ids
        ]
    )


def request_password_reset(email):
    """Someone asked for a reset link for `email`: write that down, and hand over to the
    worker on commit. The same two steps whatever the email (no account is looked up
    here), so the answer's time does not tell which emails have an account; the worker
    finds them (`expand_password_reset_requests`). Every request is a message of its own
    to each account. Never raises for a failed hand-over: beat's sweep covers it."""
    with transaction.atomic():
        request = PasswordResetRequest.objects.create(email=email)
        transaction.on_commit(request_delivery, robust=True)
    return request


PASSWORD_RESET_BATCH = 50  # reset requests one expansion takes


def expand_password_reset_requests():
    """Turn the oldest waiting reset requests (up to PASSWORD_RESET_BATCH) into messages,
    in one transaction: one PASSWORD_RESET notification to each account Django's
    PasswordResetForm.get_users finds for the email (active, a usable password, the
    email in any case), naming its username; then the requests are deleted. A request
    older than PASSWORD_RESET_TIMEOUT is dropped unexpanded (a link that comes days after
    it was asked for is no longer expected: ask again). Returns how many requests were
    taken (expanded or dropped).

    Requests another worker is expanding are skipped (locked, PostgreSQL); should two
    workers take the same one anyway (SQLite does not lock rows), the dedupe key makes
    the second one's messages no-ops. Called by every delivery before it reads what is
    pending, and by beat's sweep, which covers a lost hand-over."""
    finder = PasswordResetForm()
    expired_before = timezone.now() - timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    with transaction.atomic():
        requests = list(
            PasswordResetRequest.objects.select_for_update(skip_locked=True).order_by("pk")[
                :PASSWORD_RESET_BATCH
            ]
        )
        if not requests:
            return 0
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient=user,
                    kind=Notification.Kind.PASSWORD_RESET,
                    dedupe_key=f"password-reset:{request.pk}:{user.pk}",
                )
                for request in requests
                if request.created_at >= expired_before
                for user in finder.get_users(request.email)
            ],
            ignore_conflicts=True,
        )
        PasswordResetRequest.objects.filter(pk__in=[request.pk for request in requests]).delete()
    return len(requests)


def _password_reset_context(user):
    """The reset link, absolute (the worker has no request to take the host from)."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return {"user": user, "reset_url": f"{settings.SITE_URL}{path}"}


def _in_language(context):
    """The message's context in the active language: a value with an English twin
    (`vendor` and `vendor_en`, say) becomes the twin for readers of English, if it has
    one, so any kind that puts `<name>_en` beside `<name>` gets it."""
    return {
        **context,
        **{
            name[:-3]: in_shoppers_language(context.get(name[:-3], ""), english)
            for name, english in context.items()
            if name.endswith("_en")
        },
    }


def render_notification(notification):
    """(subject, body) of a message, in its recipient's language (orders/languages.py),
    from the order as it is."""
    context = {
        **notification.context,
        "order": notification.order,
        "part": notification.part,
        "site_url": settings.SITE_URL,
    }
    if notification.kind == Notification.Kind.PASSWORD_RESET:
        context.update(_password_reset_context(notification.recipient))
    if notification.order is not None:
        context["parts"] = notification.order.parts.all()
    with translation.override(language_of(notification.recipient)):
        context = _in_language(context)
        kind = notification.kind
        subject = render_to_string(f"orders/notifications/{kind}_subject.txt", context)
        body = render_to_string(f"orders/notifications/{kind}.txt", context)
    return " ".join(subject.split())[:200], body


def _claimable(notifications, now):
    """Pending, and not claimed (or the claim ran out: a dead worker, a retry's wait)."""
    return notifications.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now), state=Notification.State.PENDING
    )


def _candidates(notifications):
    """Those of `notifications` a delivery may try now, oldest first, with their
    recipients and orders: nothing is claimed yet (each is, just before it is sent)."""
    return (
        _claimable(notifications, timezone.now())
        .select_related("recipient__language_preference")
        .order_by("pk")
    )


def retry_delay(attempts):
    """How long a message the mail server refused waits before the next try: 30 s after
    the first failure, doubling up to NOTIFICATION_RETRY_MAX_SECONDS."""
    return timedelta(
        seconds=min(settings.NOTIFICATION_RETRY_MAX_SECONDS, 30 * 2 ** max(0, attempts - 1))
    )


def _attach_orders(notifications):
    """Each message's order with its parts, their vendors and lines, in three queries
    however many messages: the messages of one order share it, and a vendor's message
    gets its part from the order's, lines included."""
    orders = Order.objects.prefetch_related(
        Prefetch(
            "parts",
            queryset=OrderPart.objects.select_related("vendor")
            .prefetch_related(
                Prefetch("lines", queryset=OrderLine.objects.select_related("promotion"))
            )
            .order_by("pk"),
        )
    ).in_bulk({n.order_id for n in notifications if n.order_id})
    parts = {part.pk: part for order in orders.values() for part in order.parts.all()}
    for notification in notifications:
        if notification.order_id:
            notification.order = orders[notification.order_id]
        if notification.part_id:
            notification.part = parts[notification.part_id]


def deliver_notifications(notification_ids):
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


def _send(candidates):
    """(how many were sent, the first failure or None): see deliver_notifications.

    Each message is claimed just before it is sent and marked sent just after the mail
    server accepted it, in one statement with the next one's claim: at any moment this
    worker holds one message, and a crash leaves the others pending and free.
    """
    candidates = list(candidates)
    if not candidates:
        return 0, None
    _attach_orders(candidates)
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


def _connection_lost(error):
    """The mail server dropped the connection: every later send on it would fail at once
    ("please run connect() first"). 421 is how a server says it is closing (a limit of
    messages per connection, say); smtplib closes its side then."""
    return isinstance(error, smtplib.SMTPServerDisconnected) or (
        isinstance(error, smtplib.SMTPResponseException) and error.smtp_code == 421
    )


def _reopen(mail):
    """A new connection to the mail server in place of a dropped one; False if none."""
    _close(mail)
    try:
        mail.open()
    except Exception as error:  # noqa: BLE001 - the caller holds the message for its retry
        logger.warning("mail server dropped the connection and cannot be reached: %s", error)
        _close(mail)
        return False
    return True


def _send_claimed(mail, notification, claimed_until):
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
    if notification.kind == Notification.Kind.PASSWORD_RESET:
        # Whoever holds the link holds the account: it goes by email only, and the row
        # (read by staff in the admin) keeps no copy of it.
        notification.body = ""
    return True


def _close(mail):
    try:
        mail.close()
    except Exception:  # noqa: BLE001 - the messages went; a failed QUIT changes nothing
        logger.warning("closing the mail connection failed", exc_info=True)


def _mark_sent_and_claim(sent, claim):
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
def _mark_sent_and_claim_sql():
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


def _hold_after_failure(notification, error):
    """A claimed message the mail server refused: pending, claimed for its retry's wait."""
    # Pending only: a row another worker sent meanwhile keeps its state and no error.
    Notification.objects.filter(pk=notification.pk, state=Notification.State.PENDING).update(
        claimed_until=timezone.now() + retry_delay(notification.attempts + 1),
        last_error=str(error)[:300],
    )


def _wait_for_retry(notification_ids, error):
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


def deliver_notification(notification_id):
    """Send one notification; True when this call sent it (see deliver_notifications)."""
    return deliver_notifications([notification_id]) == 1


def pending_notification_ids():
    """What the beat sweep hands to Celery again: pending, unclaimed, not brand new."""
    now = timezone.now()
    older_than_seconds = settings.NOTIFICATION_SWEEP_AFTER_SECONDS
    return list(
        _claimable(Notification.objects.all(), now)
        .filter(created_at__lt=now - timedelta(seconds=older_than_seconds))
        .order_by("created_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )

"""Writing and delivering notifications (the outbox).

`notify_*` functions run inside the transaction of the change they tell of, so the
messages exist exactly when the change does; they are written in one INSERT and handed
to Celery on commit. Handing over is coalesced: a commit queues a delivery task unless
one is already waiting in the queue (a flag in the cache), and that task, when it starts,
delivers everything pending, after waiting NOTIFICATION_BATCH_SECONDS (half a second)
for the orders of that moment. So a quiet store sends each message within a second, and
a busy one (a flash sale's hundreds of orders a second) sends them in batches of up to
DELIVERY_BATCH, with one task, one claim and one mail connection per batch instead of
per order: a few queries for the whole batch. The worker renders each message (in the store's language) and delivers it.

If Redis or the worker is down, the rows stay pending and the beat sweep hands them over
again. Delivery claims a row for a while, sends outside any lock, then marks it sent:
each message is sent at most once, except when a worker dies between sending and
marking, and then the email's Message-ID (fixed per notification) lets mail systems drop
the repeat. A message the mail server refused waits before the next try, twice as long
each time (`retry_delay`), so a mail outage is not hammered by every new order.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F, Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from catalog.models import VendorMember
from orders.models import Notification, Order, OrderPart

logger = logging.getLogger(__name__)
SWEEP_BATCH = 500
TASK_BATCH = 50  # notifications handed to one Celery task by the sweep
DELIVERY_BATCH = 200  # pending notifications one delivery claims at a time
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
            countdown=settings.NOTIFICATION_BATCH_SECONDS)
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
    logger.warning("%s (%d more in the last minute); pending notifications wait for the "
                   "beat sweep", what, missed, exc_info=True)


def deliver_pending(max_seconds=DELIVERY_MAX_SECONDS):
    """Deliver the pending notifications nobody is on, in batches; returns how many were
    sent. Clears the "queued" flag first, so a commit from now on queues again. After
    `max_seconds` with more still pending it queues another delivery and stops, so one
    task stays well inside Celery's time limit however large the backlog. A message the
    mail server refused waits for its retry (it is logged), and the others go on."""
    try:
        cache.delete(DELIVERY_QUEUED_KEY)
    except Exception:  # noqa: BLE001 - a cache outage must not stop the mail
        logger.warning("could not clear the delivery flag", exc_info=True)
    started, sent = time.monotonic(), 0
    while True:
        ids = list(
            _claimable(Notification.objects.all(), timezone.now())
            .order_by("pk").values_list("pk", flat=True)[:DELIVERY_BATCH]
        )
        if ids:
            count, _failure = _send(ids)  # each failure is logged and waits for its retry
            sent += count
        if len(ids) < DELIVERY_BATCH:
            return sent
        if time.monotonic() - started > max_seconds:
            request_delivery()  # the rest, in a task of its own
            return sent


def _members_by_vendor(vendor_ids):
    members = {}
    for vendor_id, user_id in VendorMember.objects.filter(vendor_id__in=vendor_ids).order_by().values_list(
        "vendor_id", "user_id"
    ):
        members.setdefault(vendor_id, []).append(user_id)
    return members


def _for_shopper_and_vendors(order, parts, shopper_kind, vendor_kind, key):
    members = _members_by_vendor({part.vendor_id for part in parts})
    messages = [Notification(recipient_id=order.shopper_id, kind=shopper_kind, order=order,
                             dedupe_key=f"{key}:{order.pk}")]
    for part in parts:
        messages += [
            Notification(recipient_id=user_id, kind=vendor_kind, order=order, part=part,
                         dedupe_key=f"{key}:{part.pk}:{user_id}")
            for user_id in members.get(part.vendor_id, [])
        ]
    return _queue(messages)


def notify_order_placed(order, parts):
    """The shopper's confirmation and a new-order message to each vendor's members."""
    return _for_shopper_and_vendors(order, parts, Notification.Kind.ORDER_PLACED,
                                    Notification.Kind.NEW_ORDER, "placed")


def notify_part_shipped(part):
    return _queue([Notification(recipient_id=part.order.shopper_id,
                                kind=Notification.Kind.PART_SHIPPED, order=part.order,
                                part=part, dedupe_key=f"shipped:{part.pk}")])


def notify_part_cancelled(part, reason):
    """The shopper hears that one shop cannot ship its part, and why."""
    return _queue([Notification(recipient_id=part.order.shopper_id,
                                kind=Notification.Kind.PART_CANCELLED, order=part.order,
                                part=part, context={"reason": reason},
                                dedupe_key=f"part-cancelled:{part.pk}")])


def notify_order_cancelled(order, parts):
    return _for_shopper_and_vendors(order, parts, Notification.Kind.ORDER_CANCELLED,
                                    Notification.Kind.ORDER_CANCELLED, "cancelled")


def notify_users(user_ids, kind, *, key, context):
    """A message about no order in particular (a shop approved, say) to each user."""
    return _queue([
        Notification(recipient_id=user_id, kind=kind, context=context,
                     dedupe_key=f"{key}:{user_id}")
        for user_id in user_ids
    ])


def render_notification(notification):
    """(subject, body) of a message, in the store's language, from the order as it is."""
    context = {**notification.context, "order": notification.order, "part": notification.part,
               "site_url": settings.SITE_URL}
    if notification.order is not None:
        context["parts"] = notification.order.parts.all()
    with translation.override(settings.LANGUAGE_CODE):
        kind = notification.kind
        subject = render_to_string(f"orders/notifications/{kind}_subject.txt", context)
        body = render_to_string(f"orders/notifications/{kind}.txt", context)
    return " ".join(subject.split())[:200], body


def _claimable(notifications, now):
    """Pending, and not claimed (or the claim ran out: a dead worker, a retry's wait)."""
    return notifications.filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
                                state=Notification.State.PENDING)


def retry_delay(attempts):
    """How long a message the mail server refused waits before the next try: 30 s after
    the first failure, doubling up to NOTIFICATION_RETRY_MAX_SECONDS."""
    return timedelta(seconds=min(settings.NOTIFICATION_RETRY_MAX_SECONDS,
                                 30 * 2 ** max(0, attempts - 1)))


def _claim(notification_ids):
    """Take the pending, unclaimed ones among `notification_ids` for this worker.

    Another worker on the same ids skips rows locked here (PostgreSQL) and then finds
    them claimed; a dead worker's claim simply expires.
    """
    now = timezone.now()
    with transaction.atomic():
        claimed = list(
            _claimable(Notification.objects.select_for_update(skip_locked=True, of=("self",)),
                       now)
            .filter(pk__in=notification_ids)
            .select_related("recipient")
            .order_by("pk")
        )
        Notification.objects.filter(pk__in=[n.pk for n in claimed]).update(
            claimed_until=now + timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS),
            attempts=F("attempts") + 1,
        )
    _attach_orders(claimed)
    return claimed


def _attach_orders(notifications):
    """Each message's order with its parts, their vendors and lines, in three queries
    however many messages: the messages of one order share it, and a vendor's message
    gets its part from the order's, lines included."""
    orders = Order.objects.prefetch_related(
        Prefetch("parts", queryset=OrderPart.objects.select_related("vendor")
                 .prefetch_related("lines").order_by("pk"))
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
    sent, first_error = _send(notification_ids)
    if first_error is not None:
        raise first_error
    return sent


def _send(notification_ids):
    """(how many were sent, the first failure or None): see deliver_notifications."""
    claimed = _claim(notification_ids)
    if not claimed:
        return 0, None
    sent, failed, first_error = [], [], None
    mail = get_connection(fail_silently=False)
    try:
        mail.open()
    except Exception as error:  # noqa: BLE001 - the mail server is down: all wait to retry
        logger.warning("mail server unreachable, %s notifications wait: %s", len(claimed), error)
        _close(mail)  # a half-open connection (TLS or login refused) lets its socket go
        for notification in claimed:
            notification.last_error = str(error)[:300]
        _mark([], claimed)
        return 0, error
    try:
        for notification in claimed:
            try:
                notification.subject, notification.body = render_notification(notification)
                if notification.recipient.email:
                    EmailMessage(
                        notification.subject,
                        notification.body,
                        to=[notification.recipient.email],
                        headers={"Message-ID": f"<notification-{notification.pk}@hubei-market>"},
                        connection=mail,
                    ).send()
            except Exception as error:  # noqa: BLE001 - recorded, then reported
                logger.warning("notification %s not delivered: %s", notification.pk, error)
                notification.last_error = str(error)[:300]
                failed.append(notification)
                first_error = first_error or error
            else:
                sent.append(notification)
    finally:
        _close(mail)
        _mark(sent, failed)  # whatever happens, what went out is recorded as sent
    return len(sent), first_error


def _close(mail):
    try:
        mail.close()
    except Exception:  # noqa: BLE001 - the messages went; a failed QUIT changes nothing
        logger.warning("closing the mail connection failed", exc_info=True)


def _mark(sent, failed):
    """Sent: the inbox shows each, as it was sent, from now on (the same values for all
    in one UPDATE, then each one's subject and body). Failed: wait before the retry."""
    now = timezone.now()
    with transaction.atomic():
        if sent:
            _mark_sent(sent, now)
        for notification in failed:
            notification.claimed_until = now + retry_delay(notification.attempts + 1)
        Notification.objects.bulk_update(failed, ["claimed_until", "last_error"])


def _mark_sent(notifications, now):
    """One UPDATE … FROM unnest(…) on PostgreSQL: bulk_update's CASE per row and column
    cost the worker more than sending the mail did. Elsewhere the ORM's two statements."""
    if connection.vendor != "postgresql":
        Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(
            state=Notification.State.SENT, sent_at=now, claimed_until=None, last_error="")
        Notification.objects.bulk_update(notifications, ["subject", "body"])
        return
    quote, meta = connection.ops.quote_name, Notification._meta
    table = quote(meta.db_table)
    state, sent_at, claimed_until, last_error, subject, body = (
        quote(meta.get_field(name).column)
        for name in ("state", "sent_at", "claimed_until", "last_error", "subject", "body"))
    pk = quote(meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {state} = %s, {sent_at} = %s, {claimed_until} = NULL, "
            f"{last_error} = '', {subject} = sent.subject, {body} = sent.body "
            f"FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS sent(id, subject, body) "
            f"WHERE {table}.{pk} = sent.id",
            [Notification.State.SENT.value, now, [n.pk for n in notifications],
             [n.subject for n in notifications], [n.body for n in notifications]],
        )


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

"""Writing and delivering notifications (the outbox).

`notify_*` functions run inside the transaction of the change they tell of, so the
messages exist exactly when the change does; they are written in one INSERT and handed
to Celery as one task on commit. The worker renders each message (in the store's
language) and delivers it. If Redis or the worker is down, the rows stay pending and the
beat sweep hands them over again. Delivery claims a row for a while, sends outside any
lock, then marks it sent: each message is sent at most once, except when a worker dies
between sending and marking, and then the email's Message-ID (fixed per notification)
lets mail systems drop the repeat.
"""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Prefetch, Q, prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import timezone, translation

from catalog.models import VendorMember
from orders.models import Notification, OrderPart

logger = logging.getLogger(__name__)
SWEEP_BATCH = 500
TASK_BATCH = 50  # notifications handed to one Celery task by the sweep


def _queue(notifications):
    """Write the messages in one INSERT; one Celery task delivers them after commit."""
    notifications = Notification.objects.bulk_create(notifications)
    if notifications:
        from orders.tasks import deliver_notifications_task

        ids = [n.pk for n in notifications]
        transaction.on_commit(partial(deliver_notifications_task.delay, ids), robust=True)
    return notifications


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


def _claim(notification_ids):
    """Take the pending, unclaimed ones among `notification_ids` for this worker.

    Another worker on the same ids skips rows locked here (PostgreSQL) and then finds
    them claimed; a dead worker's claim simply expires.
    """
    now = timezone.now()
    with transaction.atomic():
        claimed = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
                    pk__in=notification_ids, state=Notification.State.PENDING)
            .select_related("recipient", "order", "part__vendor")
            .order_by("pk")
        )
        Notification.objects.filter(pk__in=[n.pk for n in claimed]).update(
            claimed_until=now + timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS),
            attempts=F("attempts") + 1,
        )
    prefetch_related_objects(
        [n.order for n in claimed if n.order is not None],
        Prefetch("parts", queryset=OrderPart.objects.select_related("vendor")
                 .prefetch_related("lines")),
    )
    return claimed


def deliver_notifications(notification_ids):
    """Send those of `notification_ids` still pending that nobody else is on.

    One mail connection for all; one failing does not hold up the others. Returns how
    many this call sent. Re-raises the first failure after trying them all (the task then
    retries with backoff); a failed one's claim is released for the retry or the sweep.
    """
    claimed = _claim(notification_ids)
    sent, failed, first_error = [], [], None
    with get_connection(fail_silently=False) as mail:
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
            except Exception as error:  # noqa: BLE001 - recorded, then re-raised below
                logger.warning("notification %s not delivered: %s", notification.pk, error)
                notification.last_error = str(error)[:300]
                failed.append(notification)
                first_error = first_error or error
            else:
                sent.append(notification)
    now = timezone.now()
    for notification in sent:
        # Sent: the inbox shows it, as it was sent, from now on.
        notification.state, notification.sent_at, notification.last_error = (
            Notification.State.SENT, now, "")
    for notification in sent + failed:
        notification.claimed_until = None
    Notification.objects.bulk_update(
        sent + failed, ["state", "sent_at", "claimed_until", "last_error", "subject", "body"]
    )
    if first_error is not None:
        raise first_error
    return len(sent)


def deliver_notification(notification_id):
    """Send one notification; True when this call sent it (see deliver_notifications)."""
    return deliver_notifications([notification_id]) == 1


def pending_notification_ids():
    """What the beat sweep hands to Celery again: pending, unclaimed, not brand new."""
    now = timezone.now()
    older_than_seconds = settings.NOTIFICATION_SWEEP_AFTER_SECONDS
    return list(
        Notification.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            state=Notification.State.PENDING,
            created_at__lt=now - timedelta(seconds=older_than_seconds),
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )

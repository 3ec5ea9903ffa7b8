"""Writing and delivering notifications (the outbox).

`notify_*` functions run inside the transaction of the change they tell of, so the
message exists exactly when the change does; delivery is handed to Celery on commit. If
Redis or the worker is down, the row stays pending and the beat sweep hands it over
again. Delivery claims the row for a while, sends outside any lock, then marks it sent:
each message is sent at most once, except when a worker dies between sending and
marking, and then the email's Message-ID (fixed per notification) lets mail systems drop
the repeat.
"""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from orders.models import Notification

SWEEP_BATCH = 500


def _write(recipient, kind, order, dedupe_key, context):
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"orders/notifications/{kind}_subject.txt", context).strip()
        body = render_to_string(f"orders/notifications/{kind}.txt", context)
    notification, created = Notification.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={"recipient": recipient, "kind": kind, "order": order, "subject": subject,
                  "body": body},
    )
    if created:
        from orders.tasks import deliver_notification_task

        transaction.on_commit(partial(deliver_notification_task.delay, notification.pk),
                              robust=True)
    return notification


def _vendor_members(part):
    return part.vendor.members.all()


def notify_order_placed(order):
    parts = list(order.parts.select_related("vendor").prefetch_related("lines"))
    _write(order.shopper, Notification.Kind.ORDER_PLACED, order, f"placed:{order.pk}",
           {"order": order, "parts": parts})
    for part in parts:
        for member in _vendor_members(part):
            _write(member, Notification.Kind.NEW_ORDER, order,
                   f"new-order:{part.pk}:{member.pk}", {"order": order, "part": part})


def notify_part_shipped(part):
    _write(part.order.shopper, Notification.Kind.PART_SHIPPED, part.order,
           f"shipped:{part.pk}", {"order": part.order, "part": part})


def notify_order_cancelled(order):
    _write(order.shopper, Notification.Kind.ORDER_CANCELLED, order, f"cancelled:{order.pk}",
           {"order": order})
    for part in order.parts.select_related("vendor"):
        for member in _vendor_members(part):
            _write(member, Notification.Kind.ORDER_CANCELLED, order,
                   f"cancelled:{order.pk}:{member.pk}", {"order": order, "part": part})


def deliver_notification(notification_id):
    """Send one notification if it is still pending and nobody else is on it.

    Returns True when this call sent it. Raises what the mail backend raised (the task
    retries with backoff); the claim then expires and the sweep tries again.
    """
    now = timezone.now()
    claimed = Notification.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        pk=notification_id,
        state=Notification.State.PENDING,
    ).update(
        claimed_until=now + timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    try:
        if notification.recipient.email:
            EmailMessage(
                notification.subject,
                notification.body,
                to=[notification.recipient.email],
                headers={"Message-ID": f"<notification-{notification.pk}@hubei-market>"},
            ).send()
    except Exception as error:
        Notification.objects.filter(pk=notification_id).update(
            claimed_until=None, last_error=str(error)[:300]
        )
        raise
    # Sent: the inbox shows it from now on.
    Notification.objects.filter(pk=notification_id).update(
        state=Notification.State.SENT, sent_at=timezone.now(), claimed_until=None, last_error=""
    )
    return True


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

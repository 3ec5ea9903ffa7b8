from celery import shared_task

from notifications.delivery import (
    TASK_BATCH,
    deliver_notifications,
    deliver_pending,
    pending_notification_ids,
)
from notifications.password_reset import expand_password_reset_requests
from notifications.services import request_delivery

# Delivery retries a failure (a database or mail hiccup) with growing pauses, and is
# acknowledged only once done, so a worker killed mid-task leaves it to another.
RETRIED = {
    "autoretry_for": (Exception,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 8,
    "acks_late": True,
}


@shared_task(
    name="notifications.tasks.deliver_notifications_task",
    **RETRIED,
)
def deliver_notifications_task(notification_ids: list[int]) -> int:
    """Safe to run twice: sent or claimed notifications are left alone."""
    return deliver_notifications(notification_ids)


@shared_task(
    name="notifications.tasks.deliver_pending_notifications_task",
    **RETRIED,
)
def deliver_pending_notifications_task() -> int:
    """Everything pending, in batches: queued after commits (one for all the commits made
    while it waits in the queue)."""
    return deliver_pending()


@shared_task(name="notifications.tasks.resend_pending_notifications_task")
def resend_pending_notifications_task() -> int:
    """Hand every pending notification to Celery again (messages lost with Redis or a
    dead worker once its claim ran out), after expanding the password reset requests
    whose hand-over was lost (their messages are handed over at once, being too new for
    the sweep). Runs every 30 s from beat."""
    if expand_password_reset_requests():
        request_delivery()
    ids = pending_notification_ids()
    for start in range(0, len(ids), TASK_BATCH):
        deliver_notifications_task.delay(ids[start : start + TASK_BATCH])
    return len(ids)


# The names these tasks had while they lived in orders/tasks.py. They take what was queued
# before the upgrade (or is waiting on a retry's countdown) under the old names, which a
# worker would otherwise drop as unregistered; they can go once no such message is left.
@shared_task(
    name="orders.tasks.deliver_notifications_task",
    **RETRIED,
)
def deliver_notifications_under_old_name_task(notification_ids: list[int]) -> int:
    """deliver_notifications_task, queued before the upgrade."""
    return deliver_notifications(notification_ids)


@shared_task(
    name="orders.tasks.deliver_pending_notifications_task",
    **RETRIED,
)
def deliver_pending_notifications_under_old_name_task() -> int:
    """deliver_pending_notifications_task, queued before the upgrade."""
    return deliver_pending()


@shared_task(name="orders.tasks.resend_pending_notifications_task")
def resend_pending_notifications_under_old_name_task() -> int:
    """resend_pending_notifications_task, queued before the upgrade (by the old beat)."""
    return resend_pending_notifications_task()

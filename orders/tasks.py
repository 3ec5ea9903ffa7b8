from celery import shared_task

from orders.impact import rollups as impact
from orders.notifications import (
    TASK_BATCH,
    deliver_notifications,
    deliver_pending,
    expand_password_reset_requests,
    pending_notification_ids,
    request_delivery,
)


@shared_task(
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
    acks_late=True,
)
def deliver_notifications_task(notification_ids):
    """Safe to run twice: sent or claimed notifications are left alone."""
    return deliver_notifications(notification_ids)


@shared_task(
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
    acks_late=True,
)
def deliver_pending_notifications_task():
    """Everything pending, in batches: queued after commits (one for all the commits made
    while it waits in the queue)."""
    return deliver_pending()


@shared_task
def resend_pending_notifications_task():
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


@shared_task
def rebuild_recent_impact_task():
    """Today's and yesterday's impact rollups, from the orders (beat, every 10 minutes).
    Safe to run late or twice: each run replaces the rows with what the orders say."""
    impact.rebuild_recent_days()


@shared_task
def rebuild_impact_day_task(day_iso):
    """One day's rollups again (the admin's "rebuild" action)."""
    from datetime import date

    impact.rebuild_day(date.fromisoformat(day_iso))

from celery import shared_task

from orders.notifications import deliver_notification, pending_notification_ids


@shared_task(autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=600,
             max_retries=8, acks_late=True)
def deliver_notification_task(notification_id):
    """Safe to run twice: a sent or claimed notification is left alone."""
    return deliver_notification(notification_id)


@shared_task
def resend_pending_notifications_task():
    """Hand every pending notification to Celery again (messages lost with Redis or a
    dead worker). Runs every minute from beat."""
    ids = pending_notification_ids()
    for notification_id in ids:
        deliver_notification_task.delay(notification_id)
    return len(ids)

from celery import shared_task

from aftersales.services import sweep_due_requests


@shared_task
def sweep_aftersales_task() -> int:
    return sweep_due_requests()

"""The sandbox's notifications go out from the worker, as a gateway's would arrive from
outside; beat's sweep sends again those the store did not take."""

from celery import shared_task

from gateway_sandbox import notices


@shared_task(name="gateway_sandbox.tasks.deliver_notice_task", ignore_result=True)
def deliver_notice_task(notice_id: int) -> None:
    notices.deliver(notice_id)


@shared_task(name="gateway_sandbox.tasks.deliver_due_notices_task", ignore_result=True)
def deliver_due_notices_task() -> None:
    for notice_id in notices.due_notices():
        notices.deliver(notice_id)

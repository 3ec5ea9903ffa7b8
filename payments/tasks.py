"""The payments' worker tasks and beat's sweeps: thin, each calls one service."""

from celery import shared_task

from payments import services


@shared_task(name="payments.tasks.process_refund_task", ignore_result=True)
def process_refund_task(refund_id: int) -> None:
    services.process_refund(refund_id)


@shared_task(name="payments.tasks.close_pending_payments_task", ignore_result=True)
def close_pending_payments_task(order_id: int) -> None:
    services.close_pending_payments(order_id)


@shared_task(name="payments.tasks.sweep_payments_task", ignore_result=True)
def sweep_payments_task() -> None:
    """Every minute: unpaid orders past their time closed (the gateway asked first),
    payments pending too long asked of their gateway, refunds not finished asked again,
    trades of orders that wait no more closed."""
    services.close_overdue_orders()
    services.check_pending_payments()
    services.retry_pending_refunds()
    services.close_abandoned_payments()

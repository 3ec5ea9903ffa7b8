"""The payments' worker tasks and beat's sweeps: thin, each calls one service."""

import logging

from celery import shared_task

from payments import services
from payments.reconciliation import reconcile, yesterday

logger = logging.getLogger("payments")


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


@shared_task(name="payments.tasks.reconcile_yesterday_task", ignore_result=True)
def reconcile_yesterday_task() -> None:
    """Every morning: yesterday's payments and refunds against the gateways' bills, a
    warning in the log for each mismatch and each bill that could not be fetched."""
    reconciliation = reconcile(yesterday())
    for each in reconciliation.gateways:
        if each.unavailable:
            logger.warning(
                "reconcile %s %s: bill unavailable: %s",
                reconciliation.day,
                each.gateway,
                each.error,
            )
        for mismatch in each.mismatches:
            logger.warning(
                "reconcile %s %s: %s %s %s (trade %s): ours %s, the gateway's %s",
                reconciliation.day,
                each.gateway,
                mismatch.entry,
                mismatch.number,
                mismatch.kind.value,
                mismatch.trade_number,
                mismatch.ours,
                mismatch.theirs,
            )

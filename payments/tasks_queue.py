"""Work for the worker, queued when the transaction that asks for it commits (by task
name: the tasks module calls the services, which call these). Should the broker be
down, the hand-over is lost and beat's sweeps (payments/tasks.py) do the work later."""

import logging

from celery import signature
from django.db import transaction

logger = logging.getLogger("payments")


def _send(name: str, *args: int) -> None:
    transaction.on_commit(lambda: _publish(name, args))


def _publish(name: str, args: tuple) -> None:
    try:
        signature(name).type.apply_async(args=list(args))
    except Exception:  # noqa: BLE001 (committed already: the sweep does it later)
        logger.warning("could not queue %s%s; beat's sweep will", name, args)


def queue_refund(refund_id: int) -> None:
    _send("payments.tasks.process_refund_task", refund_id)


def queue_close_payments(order_id: int) -> None:
    _send("payments.tasks.close_pending_payments_task", order_id)

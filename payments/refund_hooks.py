"""Who hears of a refund, in the transaction that records it: asked for (settlement takes
it from the shop's ledger), and refused by the gateway.

A refused refund's money is back in what the payment may still refund; an app above
payments that asked for the refund (after-sales) must see that its shopper is paid
another way, and settlement gives the shop back what it took. Apps register handlers
from their AppConfig.ready(): payments never imports them."""

import logging
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger("payments")

_handlers: list[Callable] = []
_requested_handlers: list[Callable] = []


def on_refund_requested(handler: Callable) -> None:
    """Call `handler(refund)` in the transaction that records a new refund (pending).
    No savepoint: a handler that fails undoes the refund, so the books never miss one."""
    if handler not in _requested_handlers:
        _requested_handlers.append(handler)


def refund_requested(refund) -> None:
    for handler in _requested_handlers:
        handler(refund)


def on_refund_failed(handler: Callable) -> None:
    """Call `handler(refund)` whenever a gateway refuses a refund (once per refund)."""
    if handler not in _handlers:
        _handlers.append(handler)


def refund_failed(refund) -> None:
    """Each handler in a savepoint of its own: one that fails is logged and does not
    undo the gateway's answer being recorded (the refund would be asked again forever)."""
    for handler in _handlers:
        try:
            with transaction.atomic():
                handler(refund)
        except Exception:
            logger.exception("refund %s: a refund_failed handler failed", refund)

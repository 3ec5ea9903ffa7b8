"""Who hears that a gateway refused a refund, in the transaction that records it.

The money is back in what the payment may still refund; an app above payments that
asked for the refund (after-sales) must see that its shopper is paid another way. It
registers a handler from its AppConfig.ready(): payments never imports it."""

import logging
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger("payments")

_handlers: list[Callable] = []


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

"""Who hears that a refund is owed to the shopper by the shop (cash on delivery, a bank
transfer, a refund the gateway refused), in the transaction that records it: settlement
takes it from the shop's balance. Apps above register from their AppConfig.ready()."""

from collections.abc import Callable
from decimal import Decimal

_handlers: list[Callable] = []


def on_owed(handler: Callable) -> None:
    """Call `handler(request, goods, shipping)` when `request`'s refund (its goods and
    shipping parts) is recorded as owed by the shop. No savepoint: a handler that fails
    undoes the step, so the books never miss one."""
    if handler not in _handlers:
        _handlers.append(handler)


def owed(request, goods: Decimal, shipping: Decimal) -> None:
    for handler in _handlers:
        handler(request, goods, shipping)

"""What an app above orders hears of an order's money, inside the transaction that moves
it: settlement books each shop's ledger from these (orders never imports it).

- `rate_for_lines(lines)`: at checkout, before the lines are written, each line's
  commission rate in force at that moment (`line.commission_rate`); none registered:
  the lines keep no rate (no commission).
- `parts_paid(order, parts)`: the platform received the money for these parts (an
  online payment confirmed, staff saw a bank transfer).
- `part_received(order, part)`: its receipt was confirmed (by the shopper or the sweep).
- `parts_cancelled(order, parts)`: cancelled (after the payment method gave back what
  it gives back: a paid online order's refund is already recorded).

Handlers run in the caller's transaction, without a savepoint of their own: a handler
that fails undoes the change it heard of, so the books never miss an event."""

from collections.abc import Callable

from orders.models import Order, OrderLine, OrderPart

_handlers: dict[str, list[Callable]] = {
    "rate_for_lines": [],
    "parts_paid": [],
    "part_received": [],
    "parts_cancelled": [],
}


def on(event: str, handler: Callable) -> None:
    """Register `handler` for `event` (one of the names above); twice is once, as
    AppConfig.ready() may run twice."""
    if event not in _handlers:
        raise ValueError(f"{event!r} is not an order money event")
    if handler not in _handlers[event]:
        _handlers[event].append(handler)


def rate_for_lines(lines: list[OrderLine]) -> None:
    for handler in _handlers["rate_for_lines"]:
        handler(lines)


def parts_paid(order: Order, parts: list[OrderPart]) -> None:
    for handler in _handlers["parts_paid"]:
        handler(order, parts)


def part_received(order: Order, part: OrderPart) -> None:
    for handler in _handlers["part_received"]:
        handler(order, part)


def parts_cancelled(order: Order, parts: list[OrderPart]) -> None:
    for handler in _handlers["parts_cancelled"]:
        handler(order, parts)

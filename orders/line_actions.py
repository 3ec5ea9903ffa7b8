"""What apps above orders add under each line of the shopper's order page (after-sales:
"Request after-sales", a request's state), since orders never import them.

An app registers a provider from its AppConfig.ready(): a function of an order (its
parts and lines prefetched, as orders.selectors.orders_for_shopper reads them) that
returns {line id: LineAction}, in a fixed number of queries however many lines."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from orders.models import Order


@dataclass(frozen=True)
class LineAction:
    """A template the order page includes under a line, with `data` as `action`."""

    template: str
    data: Any = field(default=None)


Provider = Callable[[Order], dict[int, LineAction]]
PROVIDERS: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Add (or replace, as ready() may run twice) the provider called `name`."""
    PROVIDERS[name] = provider


def add_line_actions(order: Order) -> Order:
    """Give each line of `order`'s prefetched parts its `actions`: a list of
    LineAction, one per provider with something to show for it."""
    found = [provider(order) for provider in PROVIDERS.values()]
    for part in order.parts.all():
        for line in part.lines.all():
            line.actions = [actions[line.pk] for actions in found if line.pk in actions]
    return order

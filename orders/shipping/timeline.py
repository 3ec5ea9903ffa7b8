"""Each part's timeline on the shopper's order page: placed, paid, shipped (with its
carrier), received or confirmed automatically, cancelled; from the order's events, in one
query however many parts."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orders.models import Order, OrderEvent, OrderPart

PLACED = pgettext_lazy("order timeline", "Placed")
PAID = pgettext_lazy("order timeline", "Paid")
CONFIRMED = pgettext_lazy("order timeline", "Confirmed")
SHIPPED = pgettext_lazy("order timeline", "Shipped")
RECEIVED = pgettext_lazy("order timeline", "Received")
CANCELLED = pgettext_lazy("order timeline", "Cancelled")


@dataclass(frozen=True)
class Step:
    # "placed", "paid", "shipped", "received", "auto_received", "cancelled"
    kind: str
    label: str
    at: datetime
    # What the shop or the store said (a shop's reason for cancelling), as written.
    note: str = ""


def add_timelines(order: Order) -> Order:
    """Give each part of `order` its `timeline`: a list of Steps, oldest first. One
    query (the order's events)."""
    events = list(OrderEvent.objects.filter(order=order).order_by("at", "pk"))
    common = []
    for event in events:
        if event.part_id is not None:
            continue
        if event.to_status == Order.Status.PLACED:
            common.append(Step("placed", PLACED, event.at))
        elif event.to_status == Order.Status.CONFIRMED:
            cod = order.payment_method == Order.PaymentMethod.CASH_ON_DELIVERY
            common.append(Step("paid", CONFIRMED if cod else PAID, event.at))
    for part in order.parts.all():
        part.timeline = common + [
            step for event in events if event.part_id == part.pk for step in _steps(event)
        ]
    return order


def _steps(event: OrderEvent) -> list[Step]:
    if event.to_status == OrderPart.Status.SHIPPED:
        return [Step("shipped", SHIPPED, event.at)]
    if event.to_status == OrderPart.Status.DELIVERED:
        if event.by_id is None and event.note:
            # The sweep's note, kept in English ("Confirmed automatically"), translated.
            return [Step("auto_received", _(event.note), event.at)]
        return [Step("received", RECEIVED, event.at)]
    if event.to_status == OrderPart.Status.CANCELLED:
        return [Step("cancelled", CANCELLED, event.at, note=event.note)]
    return []

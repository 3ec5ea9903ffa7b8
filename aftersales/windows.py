"""When a shopper may ask about a line, and for what.

Before shipment: cancel the line. Shipped: a refund (spoiled, missing…) or a return, with
no deadline yet. Received: the same, for the line's category's hours after receipt (fresh
produce 48, others AFTERSALES_WINDOW_HOURS: 7 days), inherited up the category tree.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.models import AfterSalesRequest, RequestEvent
from aftersales.states import State
from catalog.selectors import inherited_by_category
from orders.models import Order, OrderLine, OrderPart

Kind = AfterSalesRequest.Kind

NOT_PAID = _("This order is not confirmed yet: pay for it first, or cancel it.")
CANCELLED = _("This part of the order was cancelled: there is nothing to refund.")
WINDOW_OVER = _(
    "After-sales for this item closed on %(closed)s (%(hours)s hours after you received "
    "it). Contact the shop if something is still wrong."
)
ALL_REFUNDED = _("This item has been refunded in full.")
ALREADY_OPEN = _("This item already has an open request (%(number)s): see it first.")
ASKED_BEFORE = _(
    "This item's earlier request was refused or decided by staff, and closed: it cannot "
    "be asked again."
)
KIND_NOT_NOW = _("“%(kind)s” is not possible for this item now.")


@dataclass
class Eligibility:
    """What the shopper may ask about one line now, or why not."""

    kinds: list[str] = field(default_factory=list)
    refusal: str = ""
    closes_at: datetime | None = None
    hours: int | None = None

    @property
    def allowed(self) -> bool:
        return bool(self.kinds)


def hours_by_category() -> dict[int, int]:
    """category pk -> its after-sales hours: its own, else its nearest ancestor's, for
    the categories that have any. One query."""
    return inherited_by_category("aftersales_hours")


def window_hours(line: OrderLine, by_category: dict[int, int]) -> int:
    return by_category.get(line.category_id, settings.AFTERSALES_WINDOW_HOURS)


def eligibility(
    line: OrderLine,
    part: OrderPart,
    order: Order,
    *,
    by_category: dict[int, int],
    open_number: str = "",
    contested_before: bool = False,
    now: datetime | None = None,
) -> Eligibility:
    """What may be asked about `line` (of `part` of `order`) at `now`. `open_number` is
    the number of the line's open request, if it has one; `contested_before` says an
    earlier request of the line was refused or escalated and then closed (asking again
    would restart the shop's deadline, and its silence would approve it)."""
    now = now or timezone.now()
    if order.status == Order.Status.CANCELLED:
        return Eligibility(refusal=str(CANCELLED))
    if order.status not in (Order.Status.CONFIRMED, Order.Status.COMPLETED):
        return Eligibility(refusal=str(NOT_PAID))
    if part.status == OrderPart.Status.CANCELLED:
        return Eligibility(refusal=str(CANCELLED))
    if open_number:
        return Eligibility(refusal=str(ALREADY_OPEN % {"number": open_number}))
    if contested_before:
        return Eligibility(refusal=str(ASKED_BEFORE))
    if line.refunded_quantity >= line.quantity or line.refunded_amount >= line.line_total:
        return Eligibility(refusal=str(ALL_REFUNDED))
    if part.status == OrderPart.Status.PENDING:
        return Eligibility(kinds=[Kind.CANCEL_LINE])
    hours = window_hours(line, by_category)
    if part.status == OrderPart.Status.SHIPPED or part.delivered_at is None:
        return Eligibility(kinds=[Kind.REFUND_ONLY, Kind.RETURN_REFUND], hours=hours)
    closes_at = part.delivered_at + timedelta(hours=hours)
    if now >= closes_at:
        return Eligibility(
            refusal=str(
                WINDOW_OVER
                % {
                    "closed": timezone.localtime(closes_at).strftime("%Y-%m-%d %H:%M"),
                    "hours": hours,
                }
            ),
            closes_at=closes_at,
            hours=hours,
        )
    return Eligibility(
        kinds=[Kind.REFUND_ONLY, Kind.RETURN_REFUND], closes_at=closes_at, hours=hours
    )


def contested() -> Q:
    """A filter of requests: closed after a refusal or an escalation (a cancellation
    refused, the shop shipping instead, does not stand in the way of a complaint once
    the goods arrive)."""
    return Q(
        Exists(
            RequestEvent.objects.filter(
                request=OuterRef("pk"), to_state__in=[State.REFUSED, State.ESCALATED]
            )
        ),
        state=State.CLOSED,
    ) & ~Q(kind=AfterSalesRequest.Kind.CANCEL_LINE)


def contested_before(line: OrderLine) -> bool:
    """Whether an earlier request of `line` was refused or escalated, then closed."""
    return AfterSalesRequest.objects.filter(contested(), line=line).exists()

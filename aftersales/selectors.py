"""What the shopper's after-sales pages and the order page read."""

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import BooleanField, ExpressionWrapper, Prefetch, QuerySet
from django.http import Http404

from aftersales.models import AfterSalesRequest, RequestEvent
from aftersales.states import OPEN_STATES
from aftersales.windows import (
    Eligibility,
    contested,
    contested_before,
    eligibility,
    hours_by_category,
)
from orders.line_actions import LineAction
from orders.models import Order, OrderLine, OrderPart


def requests_for_shopper(user: AbstractBaseUser) -> QuerySet[AfterSalesRequest]:
    """A shopper's own requests only, newest first, each with its line, order and shop
    (another shopper's request number is simply not found)."""
    return AfterSalesRequest.objects.filter(shopper=user).select_related(
        "line", "order", "vendor", "refund"
    )


def request_for_shopper(user: AbstractBaseUser, number: str) -> AfterSalesRequest:
    """One of `user`'s requests with its photos and its timeline (each step's person);
    Http404 for any other number."""
    request = (
        requests_for_shopper(user)
        .prefetch_related(
            "photos", Prefetch("events", queryset=RequestEvent.objects.select_related("by"))
        )
        .filter(number=number)
        .first()
    )
    if request is None:
        raise Http404
    return request


def line_for_shopper(user: AbstractBaseUser, order_number: str, line_id: int) -> OrderLine:
    """A line of one of `user`'s orders, with its part (and the part's lines, which the
    cap reads), its order and its shop; Http404 for anyone else's."""
    line = (
        OrderLine.objects.filter(pk=line_id, part__order__number=order_number)
        .filter(part__order__shopper=user)
        .select_related("part__order", "part__vendor", "category")
        .prefetch_related(
            Prefetch("part__lines", queryset=OrderLine.objects.order_by("pk")),
        )
        .first()
    )
    if line is None:
        raise Http404
    return line


def open_request_number(line: OrderLine) -> str:
    """The number of the line's open request, or ""."""
    return (
        AfterSalesRequest.objects.filter(line=line, state__in=OPEN_STATES)
        .values_list("number", flat=True)
        .first()
        or ""
    )


def line_eligibility(line: OrderLine) -> Eligibility:
    """What may be asked about `line` now (line_for_shopper's line)."""
    part: OrderPart = line.part
    return eligibility(
        line,
        part,
        part.order,
        by_category=hours_by_category(),
        open_number=open_request_number(line),
        contested_before=contested_before(line),
    )


@dataclass
class LineAftersales:
    """One line's after-sales on the order page: its open request (or else its last
    one), and what may be asked now."""

    request: AfterSalesRequest | None
    eligibility: Eligibility

    @property
    def open(self) -> bool:
        return self.request is not None and self.request.is_open


def lines_aftersales(order: Order) -> dict[int, LineAftersales]:
    """{line id: LineAftersales} for every line of `order` (its parts and lines as
    orders_for_shopper prefetched them), with each request's timeline, in three queries
    however many lines."""
    requests: dict[int, AfterSalesRequest] = {}
    contested_lines = set()
    for request in (
        AfterSalesRequest.objects.filter(order=order)
        .prefetch_related("events")
        .annotate(contested=ExpressionWrapper(contested(), output_field=BooleanField()))
        .order_by("created_at", "pk")
    ):
        if request.contested:
            contested_lines.add(request.line_id)
        current = requests.get(request.line_id)
        # The open one wins; else the newest.
        if current is None or not current.is_open:
            requests[request.line_id] = request
    by_category = hours_by_category()
    states = {}
    for part in order.parts.all():
        for line in part.lines.all():
            request = requests.get(line.pk)
            open_number = request.number if request is not None and request.is_open else ""
            states[line.pk] = LineAftersales(
                request=request,
                eligibility=eligibility(
                    line,
                    part,
                    order,
                    by_category=by_category,
                    open_number=open_number,
                    contested_before=line.pk in contested_lines,
                ),
            )
    return states


def order_line_actions(order: Order) -> dict[int, LineAction]:
    """The order page's after-sales under each line (orders/line_actions.py): a link to
    ask, the open or last request, or nothing (a line with nothing to ask and no
    request). Registered in AftersalesConfig.ready()."""
    return {
        line_id: LineAction(template="aftersales/partials/line_action.html", data=state)
        for line_id, state in lines_aftersales(order).items()
        if state.request is not None or state.eligibility.allowed
    }

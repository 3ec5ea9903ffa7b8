"""What the vendor dashboard reads of a shop's after-sales requests.

Every read starts from `requests_for_vendor(vendor)`, so another shop's request is simply
not found (a 404), whatever number is typed.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Min, Prefetch, Q, QuerySet

from aftersales.models import AfterSalesRequest, RequestEvent
from aftersales.states import OPEN_STATES, State
from catalog.models import Vendor

# The states in which the shop must act (answer, or confirm the goods came back): past
# the deadline the sweep acts for it.
SHOP_ACTS = (State.REQUESTED, State.RETURNING)


def requests_for_vendor(vendor: Vendor) -> QuerySet[AfterSalesRequest]:
    """One shop's requests, newest first, with the line and order the list shows."""
    return (
        AfterSalesRequest.objects.filter(vendor=vendor)
        .select_related("line", "order")
        .order_by("-created_at", "-pk")
    )


def open_requests_for_vendor(vendor: Vendor) -> QuerySet[AfterSalesRequest]:
    """The shop's open requests, the soonest deadline first (those without one last)."""
    return (
        requests_for_vendor(vendor)
        .filter(state__in=OPEN_STATES)
        .order_by(F("due_at").asc(nulls_last=True), "created_at", "pk")
    )


def request_for_vendor_page(vendor: Vendor) -> QuerySet[AfterSalesRequest]:
    """The shop's requests with what the request's page shows: its line, order, part and
    refund, the photos in order and the timeline with who did each step."""
    return (
        AfterSalesRequest.objects.filter(vendor=vendor)
        .select_related("line", "order", "part", "refund")
        .prefetch_related(
            "photos",
            Prefetch("events", queryset=RequestEvent.objects.select_related("by")),
        )
    )


def last_return_address(vendor: Vendor) -> str:
    """The return address the shop gave last, to prefill the next one ("" if never)."""
    return (
        AfterSalesRequest.objects.filter(vendor=vendor)
        .exclude(return_address="")
        .order_by("-updated_at", "-pk")
        .values_list("return_address", flat=True)
        .first()
    ) or ""


@dataclass(frozen=True)
class AftersalesPanel:
    """The dashboard's after-sales figures: how many requests are open, how many wait
    for the shop, and the soonest deadline of those."""

    open: int
    waiting: int
    soonest: datetime | None


def aftersales_panel(vendor: Vendor) -> AftersalesPanel:
    """The shop's open requests counted, in one query."""
    figures = AfterSalesRequest.objects.filter(vendor=vendor, state__in=OPEN_STATES).aggregate(
        open=Count("pk"),
        waiting=Count("pk", filter=Q(state__in=SHOP_ACTS)),
        soonest=Min("due_at", filter=Q(state__in=SHOP_ACTS)),
    )
    return AftersalesPanel(figures["open"], figures["waiting"], figures["soonest"])

"""Beat's sweep: act for whoever let a request's deadline pass.

- the shop did not answer: approved (a return too: the goods stay with the shopper);
- the shopper did not answer an offer: taken; a refusal: it stands (closed);
- a return not sent back in time: closed;
- returned goods the shop did not confirm: taken as received, the shopper refunded;
- a request whose part the shop cancelled meanwhile (a line the shopper asked to cancel):
  closed, since the part's cancellation refunded it (approving it would fail every run).

Escalations wait for staff (the queue shows how late they are). Each request is acted on
in its own transaction, locked and checked again, so a shop answering at that moment
and the sweep act one after the other and the second is refused.
"""

import logging
import time
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from aftersales.models import AfterSalesRequest
from aftersales.services.common import Actor, lock, move
from aftersales.services.money import SHIPPED_SINCE
from aftersales.services.shop import approve, confirm_returned
from aftersales.services.shopper import accept_offer
from aftersales.states import State
from orders.models import OrderPart

logger = logging.getLogger("aftersales")
BATCH = 200
BUDGET_SECONDS = 45
SWEPT_STATES = (
    State.REQUESTED,
    State.OFFERED,
    State.REFUSED,
    State.AWAITING_RETURN,
    State.RETURNING,
)
PART_CANCELLED = _("The shop cancelled this part of the order: the request closes with it.")


def act_for_the_late(request: AfterSalesRequest, now: datetime) -> AfterSalesRequest | None:
    """Do what the deadline says for one request, if it is still due."""
    with transaction.atomic():
        request = lock(request)
        if request.state not in SWEPT_STATES or request.due_at is None or request.due_at > now:
            return None
        if OrderPart.objects.filter(pk=request.part_id, status=OrderPart.Status.CANCELLED).exists():
            with translation.override("en"):  # kept in English, as orders keep their notes
                note = str(PART_CANCELLED)
            move(request, State.CLOSED, actor=Actor.SYSTEM, by=None, note=note)
            return request
        if (
            request.state == State.REQUESTED
            and request.kind == AfterSalesRequest.Kind.CANCEL_LINE
            and not OrderPart.objects.filter(
                pk=request.part_id, status=OrderPart.Status.PENDING
            ).exists()
        ):
            with translation.override("en"):
                note = str(SHIPPED_SINCE)
            move(request, State.CLOSED, actor=Actor.SYSTEM, by=None, note=note)
            return request
        if request.state == State.REQUESTED:
            return approve(request, by=None, actor=Actor.SYSTEM)
        if request.state == State.OFFERED:
            return accept_offer(request, by=None, actor=Actor.SYSTEM)
        if request.state == State.RETURNING:
            return confirm_returned(request, by=None, actor=Actor.SYSTEM)
        move(request, State.CLOSED, actor=Actor.SYSTEM, by=None)
        return request


def sweep_due_requests(now: datetime | None = None) -> int:
    """Act on the requests whose deadline passed (oldest first); returns how many."""
    now = now or timezone.now()
    due = list(
        AfterSalesRequest.objects.filter(state__in=SWEPT_STATES, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    acted, started = 0, time.monotonic()
    for pk in due:
        if time.monotonic() - started > BUDGET_SECONDS:
            break  # the next run goes on
        try:
            acted += act_for_the_late(AfterSalesRequest(pk=pk), now) is not None
        except ValidationError as error:  # nothing left to refund, a gateway refusal…
            logger.warning("after-sales request %s not swept: %s", pk, error.messages)
    return acted

"""What every step of a request does: lock it, check the move, record who and why, set
the next deadline, and tell whoever must hear, in the caller's transaction."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales import messages
from aftersales.models import AfterSalesRequest, RequestEvent
from aftersales.states import TRANSITIONS, State
from core.db import lock_row

Actor = AfterSalesRequest.Actor
NOTE_TOO_LONG = _("Keep it to %(limit)s characters.")
NOTE_LIMIT = 500
NOT_NOW = _("This request is now “%(current)s”: that can no longer be done.")


def lock(request: AfterSalesRequest) -> AfterSalesRequest:
    """The request read again and locked until the transaction ends: two people acting
    on it at once act one after the other, the second on what the first left."""
    return lock_row(AfterSalesRequest, request.pk)


def expect(request: AfterSalesRequest, *states: str) -> None:
    """Refuse, with a clear message, a step taken from the wrong state (a shop approving
    what the sweep approved a moment ago, a shopper accepting an offer twice)."""
    if request.state not in states:
        raise ValidationError(
            NOT_NOW, code="not_now", params={"current": State(request.state).label}
        )


def clean_note(note: str, *, required: str = "") -> str:
    """A note as it is kept: stripped (of NUL characters too, which PostgreSQL cannot
    keep), at most NOTE_LIMIT characters; `required` is the message when it may not be
    empty."""
    note = (note or "").replace("\x00", "").strip()
    if required and not note:
        raise ValidationError(required, code="note_required")
    if len(note) > NOTE_LIMIT:
        raise ValidationError(NOTE_TOO_LONG, code="note_too_long", params={"limit": NOTE_LIMIT})
    return note


def hours_from_now(hours: int, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) + timedelta(hours=hours)


def shop_reply_due(now: datetime | None = None) -> datetime:
    return hours_from_now(settings.AFTERSALES_REPLY_HOURS, now)


def shopper_reply_due(now: datetime | None = None) -> datetime:
    return hours_from_now(settings.AFTERSALES_SHOPPER_HOURS, now)


def move(
    request: AfterSalesRequest,
    new_state: str,
    *,
    actor: str,
    by: AbstractBaseUser | None,
    note: str = "",
    amount: Decimal | None = None,
    due_at: datetime | None = None,
) -> RequestEvent:
    """Move the locked `request` to `new_state` (refused with a clear message if the
    table does not allow it), record the step, set the next deadline and tell whoever
    must hear. Saves the request with whatever else the caller set on it."""
    TRANSITIONS.check(request.state, new_state)
    event = RequestEvent.objects.create(
        request=request,
        from_state=request.state,
        to_state=new_state,
        actor=actor,
        by=by,
        note=note,
        amount=amount,
    )
    request.state = new_state
    request.due_at = due_at
    if new_state in (State.REFUNDED, State.CLOSED):
        request.closed_at = timezone.now()
    request.save()
    messages.notify_step(request, event)
    return event

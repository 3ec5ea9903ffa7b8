"""The shop answers a request: approve it, approve a return (with the address to send the
goods to), offer part of the amount, or refuse with a reason; and, for a return,
confirm the goods came back, which refunds the shopper and puts them back on sale."""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.models import AfterSalesRequest
from aftersales.services.common import (
    Actor,
    clean_note,
    expect,
    hours_from_now,
    lock,
    move,
    shopper_reply_due,
)
from aftersales.services.money import NOT_POSITIVE, give_back
from aftersales.states import State

Kind = AfterSalesRequest.Kind
RETURN_NEEDS_ADDRESS = _("A return needs the address the shopper sends the goods to.")
NOT_A_RETURN = _("This request is not a return: approve it or make an offer.")
OFFER_BELOW_ASKED = _("An offer is less than the %(asked)s asked; to give it all, approve.")
NO_OFFER_ON_CANCEL = _(
    "An item cancelled before shipment is refunded in full: approve it, or refuse it "
    "and ship the item."
)
REFUSAL_REASON = _("Say why you refuse: the shopper and, if they escalate, staff read it.")


def approve(
    request: AfterSalesRequest, *, by: AbstractBaseUser | None, actor: str = Actor.SHOP
) -> AfterSalesRequest:
    """Give the shopper all they asked (a refund only, a line cancelled before shipment;
    a return when the sweep approves it for a silent shop: the goods stay with the
    shopper)."""
    with transaction.atomic():
        request = lock(request)
        if request.kind == Kind.RETURN_REFUND and actor == Actor.SHOP:
            raise ValidationError(RETURN_NEEDS_ADDRESS, code="return_needs_address")
        expect(request, State.REQUESTED)
        return give_back(request, request.amount, actor=actor, by=by)


def approve_return(
    request: AfterSalesRequest, *, return_address: str, by: AbstractBaseUser | None
) -> AfterSalesRequest:
    """Ask for the goods back at `return_address`: the shopper has AFTERSALES_RETURN_DAYS
    to send them."""
    return_address = clean_note(return_address, required=RETURN_NEEDS_ADDRESS)[:300]
    with transaction.atomic():
        request = lock(request)
        expect(request, State.REQUESTED)
        if request.kind != Kind.RETURN_REFUND:
            raise ValidationError(NOT_A_RETURN, code="not_a_return")
        request.return_address = return_address
        move(
            request,
            State.AWAITING_RETURN,
            actor=Actor.SHOP,
            by=by,
            note=return_address,
            due_at=hours_from_now(settings.AFTERSALES_RETURN_DAYS * 24),
        )
    return request


def offer(
    request: AfterSalesRequest, *, amount: Decimal, note: str, by: AbstractBaseUser | None
) -> AfterSalesRequest:
    """Offer part of what was asked (half for bruised oranges, say): the shopper accepts
    or escalates within AFTERSALES_SHOPPER_HOURS; silent, the offer is taken."""
    note = clean_note(note)
    with transaction.atomic():
        request = lock(request)
        expect(request, State.REQUESTED)
        if request.kind == Kind.CANCEL_LINE:
            raise ValidationError(NO_OFFER_ON_CANCEL, code="no_offer_on_cancel")
        if amount <= 0:
            raise ValidationError(NOT_POSITIVE, code="not_positive")
        if amount >= request.amount:
            raise ValidationError(
                OFFER_BELOW_ASKED, code="offer_not_below", params={"asked": f"¥{request.amount}"}
            )
        request.offered_amount = amount
        move(
            request,
            State.OFFERED,
            actor=Actor.SHOP,
            by=by,
            note=note,
            amount=amount,
            due_at=shopper_reply_due(),
        )
    return request


def refuse(
    request: AfterSalesRequest, *, reason: str, by: AbstractBaseUser | None
) -> AfterSalesRequest:
    """Refuse, saying why: the shopper may escalate within AFTERSALES_SHOPPER_HOURS."""
    reason = clean_note(reason, required=REFUSAL_REASON)
    with transaction.atomic():
        request = lock(request)
        expect(request, State.REQUESTED)
        move(
            request, State.REFUSED, actor=Actor.SHOP, by=by, note=reason, due_at=shopper_reply_due()
        )
    return request


def confirm_returned(
    request: AfterSalesRequest, *, by: AbstractBaseUser | None, actor: str = Actor.SHOP
) -> AfterSalesRequest:
    """The returned goods arrived: the shopper is refunded what they asked, and the
    goods go back on sale when the shop confirms it (not when the sweep takes them as
    received: nobody has seen them arrive)."""
    with transaction.atomic():
        request = lock(request)
        expect(request, State.RETURNING)
        request.received_back_at = timezone.now()
        return give_back(request, request.amount, actor=actor, by=by, restock=actor == Actor.SHOP)

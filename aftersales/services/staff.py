"""Arbitration (平台介入): staff decide an escalated request, recording who and why."""

from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from aftersales.models import AfterSalesRequest
from aftersales.services.common import Actor, clean_note, expect, lock, move
from aftersales.services.money import ABOVE_ASKED, give_back
from aftersales.states import State

DECISION_REASON = _("Record why: the shopper and the shop both read it.")
ALL_OR_NOTHING = _(
    "An item cancelled before shipment is refunded in full (%(asked)s) or not at all (0)."
)
NEGATIVE = _("Enter zero (nothing refunded) or an amount above zero.")


def decide(
    request: AfterSalesRequest, *, amount: Decimal, note: str, by: AbstractBaseUser
) -> AfterSalesRequest:
    """Staff's decision on an escalated request: refund `amount` (up to what was asked;
    through the gateway, or owed by the shop), or nothing (zero closes it). Two staff
    members deciding at once: the second is told it was decided."""
    note = clean_note(note, required=DECISION_REASON)
    if amount < 0:
        raise ValidationError(NEGATIVE, code="negative")
    with transaction.atomic():
        request = lock(request)
        expect(request, State.ESCALATED)
        if amount > request.amount:
            raise ValidationError(
                ABOVE_ASKED, code="above_asked", params={"asked": f"¥{request.amount}"}
            )
        if request.kind == AfterSalesRequest.Kind.CANCEL_LINE and 0 < amount < request.amount:
            raise ValidationError(
                ALL_OR_NOTHING, code="all_or_nothing", params={"asked": f"¥{request.amount}"}
            )
        if amount == 0:
            move(request, State.CLOSED, actor=Actor.STAFF, by=by, note=note, amount=Decimal("0"))
            return request
        return give_back(request, amount, actor=Actor.STAFF, by=by, note=note)

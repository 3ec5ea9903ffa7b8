"""The shopper's steps after opening: accept an offer, escalate a refusal or an offer to
the platform (平台介入), send a return back, or withdraw the request."""

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.models import AfterSalesRequest
from aftersales.services.common import Actor, clean_note, expect, hours_from_now, lock, move
from aftersales.services.money import give_back
from aftersales.states import State
from orders.shipping.carriers import BY_CODE

ESCALATION_REASON = _("Tell staff why the shop's answer is not fair.")
CARRIER_NEEDED = _("Choose the carrier you sent the goods with.")
TRACKING_NEEDED = _("Enter the tracking number of the parcel you sent back.")
TRACKING_FORMAT = _("A tracking number is 6 to 30 letters and digits.")


def accept_offer(
    request: AfterSalesRequest, *, by: AbstractBaseUser | None, actor: str = Actor.SHOPPER
) -> AfterSalesRequest:
    """Take the shop's offer: that amount is refunded (the sweep takes it for a shopper
    who did not answer in time)."""
    with transaction.atomic():
        request = lock(request)
        expect(request, State.OFFERED)
        return give_back(request, request.offered_amount, actor=actor, by=by)


def escalate(
    request: AfterSalesRequest, *, note: str, by: AbstractBaseUser | None
) -> AfterSalesRequest:
    """Ask staff to decide a refusal or an offer; they aim to within
    AFTERSALES_ARBITRATION_HOURS."""
    note = clean_note(note, required=ESCALATION_REASON)
    with transaction.atomic():
        request = lock(request)
        expect(request, State.OFFERED, State.REFUSED)
        move(
            request,
            State.ESCALATED,
            actor=Actor.SHOPPER,
            by=by,
            note=note,
            due_at=hours_from_now(settings.AFTERSALES_ARBITRATION_HOURS),
        )
    return request


def send_return(
    request: AfterSalesRequest, *, carrier: str, tracking_number: str, by: AbstractBaseUser | None
) -> AfterSalesRequest:
    """The goods are on their way back: the shop has AFTERSALES_RECEIVE_DAYS to confirm
    they arrived, after which they are taken as received."""
    if carrier not in BY_CODE:
        raise ValidationError(CARRIER_NEEDED, code="carrier_needed")
    tracking_number = (tracking_number or "").strip().replace(" ", "")
    if not tracking_number:
        raise ValidationError(TRACKING_NEEDED, code="tracking_needed")
    if not (
        6 <= len(tracking_number) <= 30 and tracking_number.isascii() and tracking_number.isalnum()
    ):
        raise ValidationError(TRACKING_FORMAT, code="tracking_format")
    with transaction.atomic():
        request = lock(request)
        expect(request, State.AWAITING_RETURN)
        request.return_carrier = carrier
        request.return_tracking_number = tracking_number.upper()
        request.returned_at = timezone.now()
        move(
            request,
            State.RETURNING,
            actor=Actor.SHOPPER,
            by=by,
            note=f"{carrier} {request.return_tracking_number}",
            due_at=hours_from_now(settings.AFTERSALES_RECEIVE_DAYS * 24),
        )
    return request


def withdraw(request: AfterSalesRequest, *, by: AbstractBaseUser | None) -> AfterSalesRequest:
    """The shopper no longer asks (the parcel turned up, the shop sorted it out)."""
    with transaction.atomic():
        request = lock(request)
        expect(request, State.REQUESTED, State.OFFERED, State.REFUSED, State.AWAITING_RETURN)
        move(request, State.CLOSED, actor=Actor.SHOPPER, by=by)
    return request

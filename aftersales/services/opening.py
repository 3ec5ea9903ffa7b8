"""A shopper opens a request about one line of their order."""

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from aftersales import messages
from aftersales.amounts import cap_for, split
from aftersales.models import MAX_PHOTOS, AfterSalesRequest, RequestEvent, RequestPhoto
from aftersales.services.common import Actor, clean_note, shop_reply_due
from aftersales.states import OPEN_STATES, State
from aftersales.windows import (
    ALREADY_OPEN,
    KIND_NOT_NOW,
    contested_before,
    eligibility,
    hours_by_category,
)
from catalog.images import process_upload
from orders.models import OrderLine

Kind = AfterSalesRequest.Kind
Reason = AfterSalesRequest.Reason
NOT_YOURS = _("This is not an item of your orders.")
BAD_QUANTITY = _("Choose between 1 and %(most)s units.")
BAD_AMOUNT = _("Enter an amount from ¥0.01 to %(most)s.")
TOO_MANY_PHOTOS = _("Add at most %(most)s photos.")
PHOTO_NEEDED = _("Add a photo of what arrived: the shop decides from it.")
REASON_NOT_FOR_KIND = _("Choose why you cancel this item.")
# Reasons a photo must show (what arrived spoiled, broken, or not what was ordered).
PHOTO_REASONS = (Reason.SPOILED, Reason.DAMAGED, Reason.WRONG_ITEM, Reason.NOT_AS_DESCRIBED)


def open_request(
    line: OrderLine,
    *,
    shopper: AbstractBaseUser,
    kind: str,
    reason: str,
    quantity: int,
    amount: Decimal | None = None,
    description: str = "",
    photos: Sequence[UploadedFile] = (),
) -> AfterSalesRequest:
    """Open a request about `line` of one of `shopper`'s orders: `quantity` of its units,
    for `amount` (None: all they cost, with the part's shipping fee when it takes the
    whole part; a line cancelled before shipment always gets all). The photos are
    checked and re-encoded before anything is written. Raises ValidationError with what
    is wrong, changing nothing. The shop hears of it and has AFTERSALES_REPLY_HOURS."""
    line = OrderLine.objects.select_related("part__order").get(pk=line.pk)
    part, order = line.part, line.part.order
    if order.shopper_id != shopper.pk:
        raise ValidationError(NOT_YOURS, code="not_yours")
    open_number = (
        AfterSalesRequest.objects.filter(line=line, state__in=OPEN_STATES)
        .values_list("number", flat=True)
        .first()
    )
    allowed = eligibility(
        line,
        part,
        order,
        by_category=hours_by_category(),
        open_number=open_number or "",
        contested_before=contested_before(line),
    )
    if not allowed.allowed:
        raise ValidationError(allowed.refusal, code="not_eligible")
    if kind not in allowed.kinds:
        raise ValidationError(
            KIND_NOT_NOW,
            code="kind_not_now",
            params={"kind": Kind(kind).label if kind in Kind.values else kind},
        )
    if reason not in Reason.values:
        raise ValidationError(REASON_NOT_FOR_KIND, code="bad_reason")
    if not 1 <= quantity <= line.refundable_quantity:
        raise ValidationError(
            BAD_QUANTITY, code="bad_quantity", params={"most": line.refundable_quantity}
        )
    cap = cap_for(line, part, quantity)
    if amount is None or kind == Kind.CANCEL_LINE:
        amount = cap.total
    try:
        amount = Decimal(amount).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(
            BAD_AMOUNT, code="bad_amount", params={"most": f"¥{cap.total}"}
        ) from None
    if not Decimal("0.01") <= amount <= cap.total:
        raise ValidationError(BAD_AMOUNT, code="bad_amount", params={"most": f"¥{cap.total}"})
    description = clean_note(description)
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(TOO_MANY_PHOTOS, code="too_many_photos", params={"most": MAX_PHOTOS})
    if kind != Kind.CANCEL_LINE and reason in PHOTO_REASONS and not photos:
        raise ValidationError(PHOTO_NEEDED, code="photo_needed")
    encoded = [process_upload(photo) for photo in photos]  # ValidationError on a bad one
    _goods, shipping = split(amount, cap)
    try:
        with transaction.atomic():
            request = AfterSalesRequest.objects.create(
                order=order,
                part=part,
                line=line,
                vendor_id=part.vendor_id,
                shopper=shopper,
                kind=kind,
                reason=reason,
                description=description,
                quantity=quantity,
                amount=amount,
                shipping=shipping,
                state=State.REQUESTED,
                due_at=shop_reply_due(),
            )
            for position, (photo, thumbnail) in enumerate(encoded):
                item = RequestPhoto(request=request, position=position)
                item.image.save(photo.name, photo, save=False)
                item.thumbnail.save(thumbnail.name, thumbnail, save=False)
                item.save()
            event = RequestEvent.objects.create(
                request=request,
                to_state=State.REQUESTED,
                actor=Actor.SHOPPER,
                by=shopper,
                note=description,
                amount=amount,
            )
            messages.notify_step(request, event)
    except IntegrityError:  # the same line's request opened a moment ago
        number = (
            AfterSalesRequest.objects.filter(line=line, state__in=OPEN_STATES)
            .values_list("number", flat=True)
            .first()
        )
        raise ValidationError(
            ALREADY_OPEN, code="already_open", params={"number": number or ""}
        ) from None
    return request

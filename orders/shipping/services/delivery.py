"""After a part ships: how long until its receipt is confirmed for the shopper, the
shopper confirming it (确认收货), and the beat sweep that confirms what is due and tells
the shopper a day before.

Each part changes in its own transaction, locking its order then the part as the
lifecycle does, and looks again at the part once locked: the sweep may run twice, or
while the shopper confirms, and a part is still received once.
"""

from datetime import datetime, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.db import lock_row
from orders import messages
from orders.models import Order, OrderPart
from orders.services import lifecycle

NOT_SHIPPED = _("This part has not shipped yet: there is nothing to confirm.")
ALREADY_RECEIVED = _("Receipt of this part is already confirmed.")
PART_CANCELLED = _("This part was cancelled: there is nothing to confirm.")
CONFIRMED_AUTOMATICALLY = _("Confirmed automatically")
# How long before its automatic confirmation the shopper is reminded.
REMIND_BEFORE = timedelta(days=1)


def confirm_receipt(part: OrderPart, *, by: AbstractBaseUser | None) -> OrderPart:
    """The shopper has the parcel: a shipped part is received (the order completes with
    its last part) and the shop is told. Anything but a shipped part: ValidationError,
    and nothing changes."""
    with transaction.atomic():
        order, part = _lock(part)
        if part.status != OrderPart.Status.SHIPPED:
            raise ValidationError(refusal(part), code="not_shipped")
        part = lifecycle.deliver_part(part, by=by)
        part.order = order
        messages.notify_part_received(part)
    return part


def refusal(part: OrderPart) -> str:
    """Why receipt of a part that is not (or no longer) shipped cannot be confirmed."""
    if part.status == OrderPart.Status.DELIVERED:
        return ALREADY_RECEIVED
    if part.status == OrderPart.Status.CANCELLED:
        return PART_CANCELLED
    return NOT_SHIPPED


def _lock(part: OrderPart) -> tuple[Order, OrderPart]:
    """The order, then the part, locked and read again: in lifecycle's order, so the
    sweep, the shopper confirming and a cancellation wait for each other, never cross."""
    return lock_row(Order, part.order_id), lock_row(OrderPart, part.pk)


def _shipped() -> QuerySet[OrderPart]:
    return OrderPart.objects.filter(status=OrderPart.Status.SHIPPED).order_by("auto_confirm_at")


def confirm_due_receipts(now: datetime | None = None) -> int:
    """Receipt confirmed, as the system, for every shipped part whose `auto_confirm_at`
    has come; its shop is told. The number confirmed (a part the shopper confirmed
    meanwhile is left as it is)."""
    now = now or timezone.now()
    with translation.override("en"):  # kept in English, shown in each reader's language
        note = str(CONFIRMED_AUTOMATICALLY)
    confirmed = 0
    for part in _shipped().filter(auto_confirm_at__lte=now).only("pk", "order_id"):
        with transaction.atomic():
            order, part = _lock(part)
            if part.status != OrderPart.Status.SHIPPED or part.auto_confirm_at > now:
                continue
            part = lifecycle.deliver_part(part, by=None, note=note)
            part.order = order
            messages.notify_part_received(part, automatically=True)
            confirmed += 1
    return confirmed


def remind_due_confirmations(now: datetime | None = None) -> int:
    """The shopper of each shipped part confirmed automatically within REMIND_BEFORE is
    told when, once (`auto_confirm_reminded_at`). The number reminded."""
    now = now or timezone.now()
    due = _shipped().filter(
        auto_confirm_at__gt=now,
        auto_confirm_at__lte=now + REMIND_BEFORE,
        auto_confirm_reminded_at__isnull=True,
    )
    reminded = 0
    for part in due.only("pk", "order_id"):
        with transaction.atomic():
            order, part = _lock(part)
            if part.status != OrderPart.Status.SHIPPED or part.auto_confirm_reminded_at:
                continue
            part.auto_confirm_reminded_at = now
            part.save(update_fields=["auto_confirm_reminded_at"])
            part.order = order
            messages.notify_receipt_reminder(part)
            reminded += 1
    return reminded

"""When a line may be reviewed and a review followed up: after receipt is confirmed
(确认收货, by the shopper or automatically: the part's delivered_at), a review within
REVIEW_DAYS of it, one follow-up (追评) within FOLLOW_UP_DAYS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import OrderPart
from reviews.models import Review

REVIEW_DAYS = 90
FOLLOW_UP_DAYS = 180

NOT_RECEIVED = _("You can review an item once you have confirmed that you received it.")
REVIEW_TOO_LATE = _("Reviews are written within %(days)s days of receipt; this one has closed.")
ALREADY_REVIEWED = _(
    "You have already reviewed this item: each item is reviewed once. "
    "You can add a follow-up to your review instead."
)
FOLLOW_UP_DONE = _("You have already added a follow-up to this review.")
FOLLOW_UP_TOO_LATE = _("Follow-ups are added within %(days)s days of receipt; this one has closed.")
FOLLOW_UP_HIDDEN = _("This review is hidden by our staff, so it takes no follow-up.")


def received_at(part: OrderPart) -> datetime | None:
    """When receipt of `part` was confirmed (None: not yet)."""
    if part.status != OrderPart.Status.DELIVERED or part.delivered_at is None:
        return None
    return part.delivered_at


def review_closes_at(part: OrderPart) -> datetime | None:
    received = received_at(part)
    return received + timedelta(days=REVIEW_DAYS) if received else None


def follow_up_closes_at(part: OrderPart) -> datetime | None:
    received = received_at(part)
    return received + timedelta(days=FOLLOW_UP_DAYS) if received else None


def review_refusal(part: OrderPart, *, now: datetime | None = None) -> str:
    """Why a line of `part` may not be reviewed now ("" if it may; the caller checks
    that it has no review yet)."""
    closes_at = review_closes_at(part)
    if closes_at is None:
        return str(NOT_RECEIVED)
    if (now or timezone.now()) > closes_at:
        return str(REVIEW_TOO_LATE % {"days": REVIEW_DAYS})
    return ""


def follow_up_refusal(review: Review, part: OrderPart, *, now: datetime | None = None) -> str:
    """Why `review` (of a line of `part`) may not be followed up now ("" if it may)."""
    if review.follow_up_at is not None:
        return str(FOLLOW_UP_DONE)
    if review.is_hidden:
        return str(FOLLOW_UP_HIDDEN)
    closes_at = follow_up_closes_at(part)
    if closes_at is None or (now or timezone.now()) > closes_at:
        return str(FOLLOW_UP_TOO_LATE % {"days": FOLLOW_UP_DAYS})
    return ""


@dataclass(frozen=True)
class LineReview:
    """What a shopper may do about reviewing one received line."""

    review: Review | None
    can_write: bool
    can_follow_up: bool
    closes_at: datetime | None


def line_review(part: OrderPart, review: Review | None, *, now: datetime) -> LineReview:
    if review is None:
        return LineReview(
            review=None,
            can_write=not review_refusal(part, now=now),
            can_follow_up=False,
            closes_at=review_closes_at(part),
        )
    return LineReview(
        review=review,
        can_write=False,
        can_follow_up=not follow_up_refusal(review, part, now=now),
        closes_at=follow_up_closes_at(part),
    )

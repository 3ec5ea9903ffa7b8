"""The shop's one public reply to a review (商家回复), written from the vendor dashboard.

A reply is shown under the review on the product page and the reviews page (both
cached by catalog revision, which the reply bumps)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import VendorMember
from catalog.revision import bump_catalog_revision
from reviews import messages
from reviews.models import REPLY_MAX_LENGTH, Review
from reviews.text import without_invisible_controls

REPLY_REQUIRED = _("Write your reply: the shopper and every visitor read it under the review.")
REPLY_TOO_LONG = _("Keep the reply to %(limit)s characters.")
REPLY_NO_NUL = _("The reply contains a character that cannot be stored.")
ALREADY_REPLIED = _("The shop has already replied to this review: a review gets one reply.")
REVIEW_HIDDEN = _("This review was hidden by the zone's staff: it cannot be replied to.")
NOT_THE_SHOPS = _("Only members of the review's shop can reply to it.")


def _clean_reply(text: str) -> str:
    text = without_invisible_controls(text or "").strip()
    if "\x00" in text:
        raise ValidationError(REPLY_NO_NUL, code="reply_nul")
    if not text:
        raise ValidationError(REPLY_REQUIRED, code="reply_required")
    if len(text) > REPLY_MAX_LENGTH:
        raise ValidationError(
            REPLY_TOO_LONG, code="reply_too_long", params={"limit": REPLY_MAX_LENGTH}
        )
    return text


def reply_to_review(*, review: Review, by: AbstractBaseUser, text: str) -> Review:
    """The shop's reply to `review`, written by `by`, a member of the review's shop.

    Raises PermissionDenied when `by` is not a member of the review's shop (the dashboard
    never gets there: it finds only its shop's reviews), ValidationError when the text is
    empty, too long or holds a NUL byte, when the review is hidden, or when the shop has
    replied already (checked by a conditional update, so two members replying at once
    make one reply). Bumps the catalog revision: cached pages show the reply."""
    if not VendorMember.objects.filter(vendor_id=review.vendor_id, user=by).exists():
        raise PermissionDenied(NOT_THE_SHOPS)
    text = _clean_reply(text)
    now = timezone.now()
    with transaction.atomic():
        written = (
            Review.objects.shown()
            .filter(pk=review.pk, replied_at__isnull=True)
            .update(reply=text, replied_at=now, replied_by=by)
        )
        if not written:
            current = Review.objects.filter(pk=review.pk).values("hidden_at").first()
            if current is not None and current["hidden_at"] is not None:
                raise ValidationError(REVIEW_HIDDEN, code="review_hidden")
            raise ValidationError(ALREADY_REPLIED, code="already_replied")
        review.reply, review.replied_at, review.replied_by = text, now, by
        messages.tell_author_of_reply(review)
        bump_catalog_revision()
    return review

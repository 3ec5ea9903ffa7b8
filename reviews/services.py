"""What shoppers and staff do with reviews: a shopper writes one review of a line they
received and later one follow-up (追评); staff hide an abusive review, with a reason the
author reads, and may show it again.

Each is one transaction that also moves the figures shoppers read (reviews/ratings.py:
the product's count and stars, the shop's 90-day rating) and, for staff's steps, writes
the author's message (reviews/messages.py)."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.images import process_upload
from catalog.revision import bump_catalog_revision
from orders.models import OrderLine
from reviews import messages, ratings
from reviews.models import MAX_PHOTOS, MAX_STARS, TEXT_MAX_LENGTH, Review, ReviewPhoto
from reviews.text import without_invisible_controls
from reviews.windows import ALREADY_REVIEWED, FOLLOW_UP_DONE, follow_up_refusal, review_refusal

NOT_YOURS = _("This is not an item of your orders.")
BAD_STARS = _("Choose from 1 to %(most)s stars.")
TEXT_TOO_LONG = _("Write at most %(limit)s characters (this is %(length)s).")
FOLLOW_UP_NEEDED = _("Write your follow-up.")
TOO_MANY_PHOTOS = _("Add at most %(most)s photos.")
REASON_NEEDED = _("Say why the review is hidden: its author reads it.")
REASON_TOO_LONG = _("Keep the reason to %(limit)s characters.")
ALREADY_HIDDEN = _("This review is already hidden.")
NOT_HIDDEN = _("This review is not hidden.")
REASON_MAX_LENGTH = Review._meta.get_field("hidden_reason").max_length


def clean_text(text: str, *, required: str = "") -> str:
    """Text as it is kept: stripped (of NUL characters too, which PostgreSQL cannot
    keep), at most TEXT_MAX_LENGTH characters."""
    text = without_invisible_controls((text or "").replace("\x00", "")).strip()
    if required and not text:
        raise ValidationError(required, code="text_required")
    if len(text) > TEXT_MAX_LENGTH:
        raise ValidationError(
            TEXT_TOO_LONG,
            code="text_too_long",
            params={"limit": TEXT_MAX_LENGTH, "length": len(text)},
        )
    return text


def _encoded(photos: Sequence[UploadedFile], *, already: int = 0) -> list:
    """The photos checked and re-encoded like product photos (catalog/images.py), before
    anything is written; ValidationError on too many or on a bad one."""
    if already + len(photos) > MAX_PHOTOS:
        raise ValidationError(TOO_MANY_PHOTOS, code="too_many_photos", params={"most": MAX_PHOTOS})
    return [process_upload(photo) for photo in photos]


def _store_photos(review: Review, encoded: list, *, with_follow_up: bool, start: int = 0):
    """Write the photos' files and rows; returns the file names (to remove if the
    transaction fails)."""
    names = []
    for position, (photo, thumbnail) in enumerate(encoded, start=start):
        item = ReviewPhoto(review=review, position=position, with_follow_up=with_follow_up)
        item.image.save(photo.name, photo, save=False)
        item.thumbnail.save(thumbnail.name, thumbnail, save=False)
        names += [item.image.name, item.thumbnail.name]
        item.save()
    return names


def _remove_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def write_review(
    *,
    author: AbstractBaseUser,
    line: OrderLine,
    stars: int,
    text: str = "",
    photos: Sequence[UploadedFile] = (),
) -> Review:
    """`author`'s review of `line`, one of their orders' lines whose receipt is
    confirmed, within REVIEW_DAYS of it: 1 to MAX_STARS stars, at most TEXT_MAX_LENGTH
    characters, at most MAX_PHOTOS photos (checked and re-encoded before anything is
    written). Counted at once in the product's and the shop's figures, in the same
    transaction. A line is reviewed once: a second review is refused, also when two
    arrive at the same moment (the database keeps one per line). Raises ValidationError
    saying what is wrong, changing nothing."""
    line = OrderLine.objects.select_related("part__order").get(pk=line.pk)
    part = line.part
    if part.order.shopper_id != author.pk:
        raise ValidationError(NOT_YOURS, code="not_yours")
    if Review.objects.filter(line=line).exists():
        raise ValidationError(ALREADY_REVIEWED, code="already_reviewed")
    refusal = review_refusal(part)
    if refusal:
        raise ValidationError(refusal, code="not_eligible")
    if not isinstance(stars, int) or not 1 <= stars <= MAX_STARS:
        raise ValidationError(BAD_STARS, code="bad_stars", params={"most": MAX_STARS})
    text = clean_text(text)
    encoded = _encoded(photos)
    names: list[str] = []
    try:
        with transaction.atomic():
            review = Review.objects.create(
                line=line,
                product_id=line.product_id,
                vendor_id=part.vendor_id,
                author=author,
                stars=stars,
                text=text,
            )
            names = _store_photos(review, encoded, with_follow_up=False)
            ratings.review_counted(review)
    except IntegrityError:  # the same line reviewed a moment ago (another tab, a double tap)
        _remove_files(names)
        raise ValidationError(ALREADY_REVIEWED, code="already_reviewed") from None
    return review


def add_follow_up(review: Review, text: str, *, photos: Sequence[UploadedFile] = ()) -> Review:
    """The author's one follow-up (追评) to `review`, within FOLLOW_UP_DAYS of receipt,
    with at most the photos the review has room for. Raises ValidationError, changing
    nothing; a second follow-up is refused, also at the same moment (a conditional
    UPDATE). Cached pages show it at once (the catalog revision moves)."""
    review = Review.objects.select_related("line__part").get(pk=review.pk)
    refusal = follow_up_refusal(review, review.line.part)
    if refusal:
        raise ValidationError(refusal, code="not_eligible")
    text = clean_text(text, required=FOLLOW_UP_NEEDED)
    already = review.photos.count()
    encoded = _encoded(photos, already=already)
    names: list[str] = []
    now = timezone.now()
    try:
        with transaction.atomic():
            written = Review.objects.filter(pk=review.pk, follow_up_at__isnull=True).update(
                follow_up=text, follow_up_at=now
            )
            if not written:
                raise ValidationError(FOLLOW_UP_DONE, code="not_eligible")
            names = _store_photos(review, encoded, with_follow_up=True, start=already)
            bump_catalog_revision()
    except ValidationError:
        _remove_files(names)
        raise
    review.follow_up, review.follow_up_at = text, now
    return review


def _clean_reason(reason: str) -> str:
    reason = (reason or "").replace("\x00", "").strip()
    if not reason:
        raise ValidationError(REASON_NEEDED, code="reason_needed")
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            REASON_TOO_LONG, code="reason_too_long", params={"limit": REASON_MAX_LENGTH}
        )
    return reason


@transaction.atomic
def hide_review(review: Review, *, by: AbstractBaseUser, reason: str) -> Review:
    """Staff hide `review` (abusive): gone from every page and average in this
    transaction; its author is told why. Refused (ValidationError) without a reason or
    if it is hidden already (a conditional UPDATE: two staff at once hide it once)."""
    reason = _clean_reason(reason)
    now = timezone.now()
    hidden = Review.objects.filter(pk=review.pk, hidden_at__isnull=True).update(
        hidden_at=now, hidden_reason=reason, hidden_by=by
    )
    if not hidden:
        raise ValidationError(ALREADY_HIDDEN, code="already_hidden")
    review = Review.objects.select_related("line").get(pk=review.pk)
    ratings.review_uncounted(review)
    messages.tell_author(review, step=messages.HIDDEN)
    return review


@transaction.atomic
def show_review_again(review: Review, *, by: AbstractBaseUser) -> Review:
    """Staff undo a hiding: `review` counts and shows again, and its author hears so.
    Refused (ValidationError) if it is not hidden."""
    shown = Review.objects.filter(pk=review.pk, hidden_at__isnull=False).update(
        hidden_at=None, hidden_reason="", hidden_by=None
    )
    if not shown:
        raise ValidationError(NOT_HIDDEN, code="not_hidden")
    review = Review.objects.select_related("line").get(pk=review.pk)
    ratings.review_counted(review)
    messages.tell_author(review, step=messages.SHOWN, by=by)
    return review

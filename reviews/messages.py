"""What a review's author hears, through the outbox, in the transaction of the step:
staff hid their review (with the reason) or showed it again; the shop replied. The message carries the
item's names in both languages and the reason, so it reads as it was when sent, in the
author's language (notifications/rendering.py)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications import kinds
from notifications.models import Notification
from notifications.services import notify
from reviews.models import Review

# A kind's name fits Notification.kind (20 characters).
TO_AUTHOR = "review_moderated"
REPLIED = "review_replied"
HIDDEN = "hidden"
SHOWN = "shown"


def register_kinds() -> None:
    """Called from ReviewsConfig.ready()."""
    kinds.register(
        TO_AUTHOR,
        _("review hidden or shown again, to its author"),
        templates="reviews/messages/review_to_author",
        link_label=_("See my reviews"),
    )
    kinds.register(
        REPLIED,
        _("the shop replied to a review, to its author"),
        templates="reviews/messages/review_replied",
        link_label=_("See my reviews"),
    )


def tell_author_of_reply(review: Review) -> list[Notification]:
    """The author's message that the shop replied (once: a review has one reply)."""
    line, shop = review.line, review.vendor
    return notify(
        [review.author_id],
        REPLIED,
        key=f"review:{review.pk}:reply",
        context={
            "review_id": review.pk,
            "item": line.product_name,
            "item_en": line.product_name_en,
            "vendor": shop.name,
            "vendor_en": shop.name_en,
            "reply": review.reply,
        },
        link=reverse("reviews:mine"),
    )


def tell_author(
    review: Review, *, step: str, by: AbstractBaseUser | None = None
) -> list[Notification]:
    """The author's message of one moderation step (`review` with its line)."""
    line = review.line
    return notify(
        [review.author_id],
        TO_AUTHOR,
        # A review may be hidden, shown and hidden again: each step is its own message.
        key=f"review:{review.pk}:{step}:{timezone.now().timestamp()}",
        context={
            "review_id": review.pk,
            "step": step,
            "item": line.product_name,
            "item_en": line.product_name_en,
            "stars": review.stars,
            "reason": review.hidden_reason,
        },
        link=reverse("reviews:mine"),
    )

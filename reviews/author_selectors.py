"""What the author's review pages read: their own lines and reviews only (anyone
else's id is simply not found)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404

from orders.models import OrderLine
from reviews.models import Review


def line_for_author(user: AbstractBaseUser, line_id: int) -> OrderLine:
    """A line of one of `user`'s orders, with its part, order, shop and review (if
    any); Http404 for anyone else's."""
    line = (
        OrderLine.objects.filter(pk=line_id, part__order__shopper=user)
        .select_related("part__order", "part__vendor", "review")
        .first()
    )
    if line is None:
        raise Http404
    return line


def reviews_of_author(user: AbstractBaseUser) -> QuerySet[Review]:
    """`user`'s reviews, newest first, each with its line, order, shop, product and
    photos."""
    return (
        Review.objects.filter(author=user)
        .select_related("line__part__order", "vendor", "product")
        .prefetch_related("photos")
    )


def review_for_author(user: AbstractBaseUser, review_id: int) -> Review:
    review = (
        Review.objects.filter(pk=review_id, author=user)
        .select_related("line__part__order", "vendor")
        .prefetch_related("photos")
        .first()
    )
    if review is None:
        raise Http404
    return review

"""Reviews written straight into the database, as the reviews service leaves them (the
writing side is tested on its own): a delivered order line of the product, the review,
its photos, and the product's and shop's figures counted (reviews.ratings)."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from orders.models import OrderPart
from reviews import ratings
from reviews.models import Review, ReviewPhoto
from tests.factories import OrderFactory, ShopperFactory, image_bytes


def delivered_line(product, shopper=None):
    """A line of `product` on an order whose part was delivered (receipt confirmed)."""
    shopper = shopper or ShopperFactory()
    order = OrderFactory(shopper=shopper, lines=[(product, 1)])
    OrderPart.objects.filter(order=order).update(
        status=OrderPart.Status.DELIVERED, delivered_at=timezone.now()
    )
    return order.parts.get().lines.get()


def make_review(
    product,
    *,
    stars=5,
    text="很甜，包装好。",
    author=None,
    photos=0,
    follow_up="",
    follow_up_photos=0,
    reply="",
    hidden=False,
    days_ago=0,
    counted=True,
):
    """A shown review of `product` (hidden with a reason when `hidden`), counted in the
    product's rating like the service counts it; `days_ago` moves when it was written."""
    line = delivered_line(product, author)
    now = timezone.now()
    review = Review.objects.create(
        line=line,
        product=product,
        vendor_id=product.vendor_id,
        author=line.part.order.shopper,
        stars=stars,
        text=text,
        follow_up=follow_up,
        follow_up_at=now if follow_up else None,
        reply=reply,
        replied_at=now if reply else None,
    )
    if days_ago:
        Review.objects.filter(pk=review.pk).update(created_at=now - timedelta(days=days_ago))
        review.refresh_from_db()
    for position in range(photos):
        add_review_photo(review, position=position)
    for position in range(follow_up_photos):
        add_review_photo(review, position=position, with_follow_up=True)
    if hidden:
        Review.objects.filter(pk=review.pk).update(hidden_at=now, hidden_reason="辱骂商家")
        review.refresh_from_db()
    elif counted:
        ratings.review_counted(review)
    return review


def add_review_photo(review, *, position=0, with_follow_up=False):
    data = image_bytes()
    photo = ReviewPhoto(review=review, position=position, with_follow_up=with_follow_up)
    photo.image.save(f"r{review.pk}-{position}.jpg", ContentFile(data), save=False)
    photo.thumbnail.save(f"r{review.pk}-{position}-t.jpg", ContentFile(data), save=False)
    photo.save()
    return photo

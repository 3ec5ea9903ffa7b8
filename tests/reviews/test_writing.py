"""A shopper reviews what they received: once per line, after receipt and within 90
days, 1–5 stars, at most 500 characters, at most 6 photos checked like product photos;
one follow-up within 180 days."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from orders.models import OrderPart
from reviews import services
from reviews.models import Review, ReviewPhoto
from reviews.windows import ALREADY_REVIEWED, FOLLOW_UP_DONE, NOT_RECEIVED
from tests.factories import ShopperFactory, image_bytes, upload
from tests.reviews.helpers import (
    figures,
    first_line,
    oranges,
    placed,
    received_line,
    shipped,
    shop_rating,
)

pytestmark = pytest.mark.django_db


def refusal(error: pytest.ExceptionInfo) -> str:
    return " ".join(error.value.messages)


def test_a_review_of_a_received_line_counts_in_the_product_and_the_shop():
    line = received_line()
    product = line.product

    review = services.write_review(
        author=line.part.order.shopper, line=line, stars=4, text="Sweet and juicy.", photos=[]
    )

    assert (review.stars, review.text, review.product, review.vendor_id) == (
        4,
        "Sweet and juicy.",
        product,
        line.part.vendor_id,
    )
    assert figures(product) == (1, 4, Decimal("4.0"))
    assert shop_rating(product.vendor) == (Decimal("4.00"), 1)


@pytest.mark.parametrize("step", ["placed", "shipped"])
def test_no_review_before_receipt_is_confirmed(step):
    order = placed((oranges(), 1))
    if step == "shipped":
        shipped(order)
    line = first_line(order)

    with pytest.raises(ValidationError) as error:
        services.write_review(author=order.shopper, line=line, stars=5, text="", photos=[])

    assert refusal(error) == str(NOT_RECEIVED)
    assert Review.objects.count() == 0
    assert figures(line.product) == (0, 0, None)


def test_reviews_close_ninety_days_after_receipt():
    open_line = received_line(days_ago=89)
    closed_line = received_line(days_ago=91)

    services.write_review(author=open_line.part.order.shopper, line=open_line, stars=5)
    with pytest.raises(ValidationError) as error:
        services.write_review(author=closed_line.part.order.shopper, line=closed_line, stars=5)

    assert "within 90 days of receipt" in refusal(error)
    assert list(Review.objects.values_list("line_id", flat=True)) == [open_line.pk]


def test_a_line_is_reviewed_once():
    line = received_line()
    shopper = line.part.order.shopper
    services.write_review(author=shopper, line=line, stars=5, text="First.")

    with pytest.raises(ValidationError) as error:
        services.write_review(author=shopper, line=line, stars=1, text="Second.")

    assert refusal(error) == str(ALREADY_REVIEWED)
    assert list(Review.objects.values_list("text", flat=True)) == ["First."]
    assert figures(line.product) == (1, 5, Decimal("5.0"))


def test_another_shoppers_line_is_refused():
    line = received_line()

    with pytest.raises(ValidationError):
        services.write_review(author=ShopperFactory(), line=line, stars=5)

    assert Review.objects.count() == 0


@pytest.mark.parametrize("stars", [0, 6, -1, "5"])
def test_stars_are_one_to_five(stars):
    line = received_line()

    with pytest.raises(ValidationError) as error:
        services.write_review(author=line.part.order.shopper, line=line, stars=stars)

    assert refusal(error) == "Choose from 1 to 5 stars."
    assert Review.objects.count() == 0


def test_text_is_at_most_500_characters_and_loses_nul_bytes():
    line = received_line()
    shopper = line.part.order.shopper

    with pytest.raises(ValidationError) as error:
        services.write_review(author=shopper, line=line, stars=3, text="橙" * 501)
    assert refusal(error) == "Write at most 500 characters (this is 501)."
    assert Review.objects.count() == 0

    review = services.write_review(author=shopper, line=line, stars=3, text="好\x00" * 250)
    assert review.text == "好" * 250


def test_invisible_controls_are_dropped_and_emoji_kept_whole():
    line = received_line()
    shopper = line.part.order.shopper

    # A right-to-left override and a zero-width space would make it read otherwise.
    text = "很\u202e甜\u200b，果农👨\u200d🌾辛苦了"
    review = services.write_review(author=shopper, line=line, stars=5, text=text)

    assert review.text == "很甜，果农👨\u200d🌾辛苦了"


def test_photos_are_re_encoded_and_kept_in_order():
    line = received_line()

    review = services.write_review(
        author=line.part.order.shopper,
        line=line,
        stars=5,
        photos=[upload("a.png", image_bytes("PNG"), "image/png"), upload("b.jpg")],
    )

    photos = list(review.photos.all())
    assert [(p.position, p.with_follow_up) for p in photos] == [(0, False), (1, False)]
    assert all(p.image.name.endswith(".jpg") and p.thumbnail.name for p in photos)
    with photos[0].image.open("rb") as stored:
        assert stored.read(3) == b"\xff\xd8\xff"  # a fresh JPEG, whatever was uploaded


def test_a_file_that_is_not_an_image_is_refused():
    line = received_line()

    with pytest.raises(ValidationError) as error:
        services.write_review(
            author=line.part.order.shopper,
            line=line,
            stars=5,
            photos=[upload("evil.jpg", b"<html><script>alert(1)</script>", "image/jpeg")],
        )

    assert refusal(error) == "This file is not a photo. Upload a JPEG, PNG or WebP image."
    assert (Review.objects.count(), ReviewPhoto.objects.count()) == (0, 0)
    assert figures(line.product) == (0, 0, None)


def test_seven_photos_are_refused():
    line = received_line()

    with pytest.raises(ValidationError) as error:
        services.write_review(
            author=line.part.order.shopper, line=line, stars=5, photos=[upload()] * 7
        )

    assert refusal(error) == "Add at most 6 photos."
    assert (Review.objects.count(), ReviewPhoto.objects.count()) == (0, 0)


def test_a_follow_up_is_added_once():
    line = received_line()
    review = services.write_review(author=line.part.order.shopper, line=line, stars=5)

    services.add_follow_up(review, "Still fresh a week later.", photos=[upload()])
    with pytest.raises(ValidationError) as error:
        services.add_follow_up(review, "And again.")

    review.refresh_from_db()
    assert refusal(error) == str(FOLLOW_UP_DONE)
    assert review.follow_up == "Still fresh a week later."
    assert review.follow_up_at is not None
    assert list(review.photos.values_list("with_follow_up", flat=True)) == [True]


def test_a_follow_up_closes_180_days_after_receipt_and_needs_text():
    line = received_line(days_ago=60)
    review = services.write_review(author=line.part.order.shopper, line=line, stars=5)

    with pytest.raises(ValidationError) as error:
        services.add_follow_up(review, "   ")
    assert refusal(error) == "Write your follow-up."

    OrderPart.objects.filter(pk=line.part_id).update(
        delivered_at=timezone.now() - timedelta(days=181)
    )
    with pytest.raises(ValidationError) as error:
        services.add_follow_up(review, "Late.")
    assert "within 180 days of receipt" in refusal(error)
    review.refresh_from_db()
    assert (review.follow_up, review.follow_up_at) == ("", None)


def test_photos_of_review_and_follow_up_are_six_at_most():
    line = received_line()
    review = services.write_review(
        author=line.part.order.shopper, line=line, stars=5, photos=[upload()] * 5
    )

    with pytest.raises(ValidationError) as error:
        services.add_follow_up(review, "More photos.", photos=[upload()] * 2)

    assert refusal(error) == "Add at most 6 photos."
    review.refresh_from_db()
    assert (review.follow_up_at, review.photos.count()) == (None, 5)

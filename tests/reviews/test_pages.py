"""The shopper's review pages: the order page's action under each received line, the
review form (stars, text, photos; mistakes shown in place), the follow-up, and "my
reviews". Another shopper's line or review is a 404; posting twice is refused kindly."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews import services
from reviews.models import Review
from tests.factories import ShopperFactory, upload
from tests.reviews.helpers import (
    figures,
    first_line,
    oranges,
    placed,
    received_line,
    staff_member,
)

pytestmark = pytest.mark.django_db


def signed_in(client, user, language="en"):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def write_url(line):
    return reverse("reviews:write", args=[line.pk])


def test_the_order_page_offers_a_review_of_a_received_line_in_chinese(client):
    line = received_line()
    order = line.part.order
    signed_in(client, order.shopper, "zh-hans")

    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()

    assert f'href="{write_url(line)}">评价</a>' in page


def test_a_line_not_yet_received_has_no_review_action(client):
    order = placed((oranges(), 1))
    signed_in(client, order.shopper)

    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()

    assert "/reviews/write/" not in page
    response = client.get(write_url(first_line(order)))
    assert "You can review an item once you have confirmed that you received it." in (
        response.content.decode()
    )
    assert 'name="stars"' not in response.content.decode()


def test_writing_a_review_from_the_form(client):
    line = received_line()
    signed_in(client, line.part.order.shopper)

    form = client.get(write_url(line)).content.decode()
    assert form.count('type="radio" class="visually-hidden" name="stars"') == 5
    assert 'maxlength="500"' in form and "multiple" in form

    response = client.post(
        write_url(line),
        {"stars": "5", "text": "Sweet <script>x</script>", "photos": [upload("a.jpg")]},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("reviews:mine"), 302)]
    page = response.content.decode()
    assert "Thank you: your review is published." in page
    assert "Sweet &lt;script&gt;x&lt;/script&gt;" in page
    assert "<script>x</script>" not in page
    assert "Published" in page
    assert figures(line.product)[:2] == (1, 5)
    (review,) = Review.objects.all()
    assert review.photos.count() == 1


def test_the_order_page_then_offers_a_follow_up(client):
    line = received_line()
    order = line.part.order
    review = services.write_review(author=order.shopper, line=line, stars=4)
    signed_in(client, order.shopper, "zh-hans")

    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()

    assert "已评价" in page
    assert f'href="{reverse("reviews:follow_up", args=[review.pk])}">追评</a>' in page
    assert f'href="{write_url(line)}"' not in page


@pytest.mark.parametrize(
    ("posted", "error"),
    [
        ({"text": "No stars."}, "Choose from 1 to 5 stars."),
        ({"stars": "9"}, "Choose from 1 to 5 stars."),
        ({"stars": "5", "text": "x" * 501}, "Ensure this value has at most 500 characters"),
        ({"stars": "5", "text": "bad\x00byte"}, "Null characters are not allowed."),
        ({"stars": "5", "text": "bad\x1bbyte"}, "invisible control characters"),
        (
            {"stars": "5", "photos": [upload("a.jpg", b"not an image at all")]},
            "This file is not a photo. Upload a JPEG, PNG or WebP image.",
        ),
        ({"stars": "5", "photos": [upload(f"{n}.jpg") for n in range(7)]}, "Add at most 6 photos."),
    ],
)
def test_mistakes_show_in_place_and_change_nothing(client, posted, error):
    line = received_line()
    signed_in(client, line.part.order.shopper)

    response = client.post(write_url(line), posted)

    assert response.status_code == 200
    page = response.content.decode()
    assert error in page
    assert 'class="error" role="alert"' in page
    assert Review.objects.count() == 0
    assert figures(line.product) == (0, 0, None)


def test_another_shoppers_line_is_not_found(client):
    line = received_line()
    signed_in(client, ShopperFactory())

    assert client.get(write_url(line)).status_code == 404
    assert client.post(write_url(line), {"stars": "1", "text": "Hijack"}).status_code == 404
    assert Review.objects.count() == 0


def test_posting_twice_is_refused_kindly(client):
    line = received_line()
    signed_in(client, line.part.order.shopper)
    client.post(write_url(line), {"stars": "5", "text": "First."})

    response = client.post(write_url(line), {"stars": "1", "text": "Second."}, follow=True)

    assert response.redirect_chain == [(reverse("reviews:mine"), 302)]
    assert "You have already reviewed this item" in response.content.decode()
    assert list(Review.objects.values_list("stars", "text")) == [(5, "First.")]


def test_adding_a_follow_up_from_its_page(client):
    line = received_line()
    review = services.write_review(author=line.part.order.shopper, line=line, stars=5)
    url = reverse("reviews:follow_up", args=[review.pk])
    signed_in(client, review.author)

    empty = client.post(url, {"text": ""})
    assert "Write your follow-up." in empty.content.decode()
    done = client.post(url, {"text": "Kept two weeks."}, follow=True)
    again = client.post(url, {"text": "Once more."}, follow=True)

    assert "Thank you: your follow-up is published." in done.content.decode()
    assert "Kept two weeks." in done.content.decode()
    assert "You have already added a follow-up to this review." in again.content.decode()
    review.refresh_from_db()
    assert review.follow_up == "Kept two weeks."


def test_another_shoppers_review_takes_no_follow_up(client):
    line = received_line()
    review = services.write_review(author=line.part.order.shopper, line=line, stars=5)
    signed_in(client, ShopperFactory())

    url = reverse("reviews:follow_up", args=[review.pk])
    assert client.post(url, {"text": "Not mine."}).status_code == 404
    review.refresh_from_db()
    assert review.follow_up == ""


def test_my_reviews_is_empty_at_first_and_needs_signing_in(client):
    assert client.get(reverse("reviews:mine")).status_code == 302
    signed_in(client, ShopperFactory(), "zh-hans")

    page = client.get(reverse("reviews:mine")).content.decode()

    assert "还没有评价。" in page


def test_a_hidden_review_says_so_on_the_order_page_and_takes_no_follow_up(client):
    line = received_line()
    order = line.part.order
    review = services.write_review(author=order.shopper, line=line, stars=1, text="Abuse")
    services.hide_review(review, by=staff_member(), reason="Insults.")
    signed_in(client, order.shopper)

    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    follow_up = client.get(reverse("reviews:follow_up", args=[review.pk])).content.decode()

    assert "Review hidden by our staff" in page
    assert reverse("reviews:follow_up", args=[review.pk]) not in page
    assert "This review is hidden by our staff, so it takes no follow-up." in follow_up
    assert 'name="text"' not in follow_up


def test_the_english_order_page_says_until_when_reviews_are_open(client):
    line = received_line(days_ago=10)
    order = line.part.order
    signed_in(client, order.shopper)

    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()

    closes = timezone.localtime(line.part.delivered_at + timedelta(days=90))
    assert f'href="{write_url(line)}">Review</a>' in page
    assert f"Reviews close on {closes:%Y-%m-%d}" in page


def test_after_ninety_days_the_form_explains_reviews_have_closed(client):
    line = received_line(days_ago=91)
    signed_in(client, line.part.order.shopper, "zh-hans")

    form = client.get(write_url(line)).content.decode()
    posted = client.post(write_url(line), {"stars": "5"}).content.decode()

    assert "评价需在收货后 90 天内完成；此商品的评价已关闭。" in form
    assert 'name="stars"' not in posted
    assert Review.objects.count() == 0

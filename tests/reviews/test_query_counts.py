"""The review pages run as many queries with one review, line or photo as with many:
the order page with its review actions, the review form, the follow-up and "my
reviews"."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews import services
from tests.factories import ShopperFactory, upload
from tests.reviews.helpers import oranges, placed, received

pytestmark = pytest.mark.django_db


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured)


def shopper_with(size):
    """A shopper with `size` received orders of `size` + 1 products each, all lines but
    the first reviewed with `size` photos: (shopper, first order, first line, a review)."""
    shopper = ShopperFactory()
    orders = [
        received(placed(*[(oranges(), 1) for _ in range(size + 1)], shopper=shopper))
        for _ in range(size)
    ]
    lines = [line for order in orders for part in order.parts.all() for line in part.lines.all()]
    reviews = [
        services.write_review(author=shopper, line=line, stars=5, photos=[upload()] * size)
        for line in lines[1:]
    ]
    return shopper, orders[0], lines[0], reviews[0]


def test_the_review_pages_run_a_fixed_number_of_queries(client):
    counts = []
    for size in (1, 3):
        shopper, order, unreviewed, review = shopper_with(size) if size > 1 else (None,) * 4
        if size == 1:
            # One order of two lines: one reviewed, one not.
            shopper = ShopperFactory()
            order = received(placed((oranges(), 1), (oranges(), 1), shopper=shopper))
            unreviewed, reviewed = [line for part in order.parts.all() for line in part.lines.all()]
            review = services.write_review(
                author=shopper, line=reviewed, stars=5, photos=[upload()]
            )
        client.force_login(shopper)
        counts.append(
            [
                queries(client, reverse("orders:detail", args=[order.number])),
                queries(client, reverse("reviews:write", args=[unreviewed.pk])),
                queries(client, reverse("reviews:follow_up", args=[review.pk])),
                queries(client, reverse("reviews:mine")),
            ]
        )
    assert counts[0] == counts[1]

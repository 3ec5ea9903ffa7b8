"""Reviews under concurrency, on PostgreSQL: a shopper's two taps on "Publish" (two tabs,
two requests at the same instant) make one review, counted once; two staff hiding the
same review at once hide and uncount it once. Each call runs in a thread with its own
connection."""

from decimal import Decimal
from functools import partial

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from notifications.models import Notification
from reviews import services
from reviews.messages import TO_AUTHOR
from reviews.models import Review
from reviews.windows import ALREADY_REVIEWED
from tests.reviews.helpers import figures, oranges, received_line, shop_rating, staff_member
from tests.support.races import all_at_once

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not ON_POSTGRES,
        reason="parallel transactions need PostgreSQL (SQLite's test database is in memory, "
        "one connection serialises them)",
    ),
]
ROUNDS = 3


def test_two_reviews_of_one_line_at_once_make_one():
    for _ in range(ROUNDS):
        product = oranges()
        line = received_line(product)
        shopper = line.part.order.shopper

        outcomes = all_at_once(
            [
                partial(services.write_review, author=shopper, line=line, stars=stars)
                for stars in (5, 1)
            ],
            language="en",
        )

        reviews = [o for o in outcomes if isinstance(o, Review)]
        refusals = [o for o in outcomes if isinstance(o, ValidationError)]
        assert (len(reviews), len(refusals)) == (1, 1), outcomes
        assert refusals[0].messages == [str(ALREADY_REVIEWED)]
        assert Review.objects.filter(line=line).count() == 1
        stars = reviews[0].stars
        assert figures(product) == (1, stars, Decimal(stars).quantize(Decimal("0.1")))
        assert shop_rating(product.vendor) == (Decimal(stars).quantize(Decimal("0.01")), 1)


def test_two_staff_hiding_one_review_at_once_hide_it_once():
    for _ in range(ROUNDS):
        product = oranges()
        kept_line, hidden_line = received_line(product), received_line(product)
        services.write_review(author=kept_line.part.order.shopper, line=kept_line, stars=5)
        review = services.write_review(
            author=hidden_line.part.order.shopper, line=hidden_line, stars=1
        )

        outcomes = all_at_once(
            [
                partial(services.hide_review, review, by=staff_member(), reason=reason)
                for reason in ("Abusive.", "Spam.")
            ],
            language="en",
        )

        assert sum(isinstance(o, Review) for o in outcomes) == 1, outcomes
        assert sum(isinstance(o, ValidationError) for o in outcomes) == 1, outcomes
        assert figures(product) == (1, 5, Decimal("5.0"))
        assert Notification.objects.filter(kind=TO_AUTHOR, recipient=review.author).count() == 1

"""The shop's rating on its storefront (average of its shown reviews over 90 days), kept
by each review and refreshed every night as reviews age out of the window."""

from decimal import Decimal

import pytest
from django.conf import settings

from catalog.models import Vendor
from reviews.tasks import refresh_shop_ratings_task
from tests.factories import ProductFactory, VendorFactory
from tests.reviews.factories import make_review
from tests.reviews.test_display import text_of

pytestmark = pytest.mark.django_db


def test_the_storefront_shows_the_shops_rating_over_90_days(client):
    vendor = VendorFactory()
    orange, tea = ProductFactory(vendor=vendor), ProductFactory(vendor=vendor)
    make_review(orange, stars=5)
    make_review(orange, stars=5)
    make_review(tea, stars=4)
    make_review(tea, stars=1, hidden=True)  # not counted

    chinese = text_of(client.get(vendor.get_absolute_url()).content.decode())
    in_english = text_of(
        client.get(vendor.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )

    assert "店铺评分 4.7 · 近90天 3 条评价" in chinese
    assert "Shop rating 4.7 · 3 reviews in the last 90 days" in in_english


def test_a_shop_without_recent_reviews_shows_no_rating(client):
    vendor = VendorFactory()
    ProductFactory(vendor=vendor)

    assert "店铺评分" not in client.get(vendor.get_absolute_url()).content.decode()


def test_the_nightly_task_lets_old_reviews_leave_the_rating(client):
    vendor = VendorFactory()
    product = ProductFactory(vendor=vendor)
    make_review(product, stars=5)
    old = make_review(product, stars=1, days_ago=89)
    assert "店铺评分 3.0 · 近90天 2 条评价" in text_of(
        client.get(vendor.get_absolute_url()).content.decode()
    )

    type(old).objects.filter(pk=old.pk).update(created_at=old.created_at.replace(year=2025))
    assert refresh_shop_ratings_task.delay().get() == Vendor.objects.count()

    vendor.refresh_from_db()
    assert (vendor.recent_rating, vendor.recent_rating_count) == (Decimal("5.00"), 1)
    assert "店铺评分 5.0 · 近90天 1 条评价" in text_of(
        client.get(vendor.get_absolute_url()).content.decode()
    )


def test_beat_runs_the_refresh_every_night():
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-shop-ratings"]

    assert entry["task"] == refresh_shop_ratings_task.name
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({4}, {30})

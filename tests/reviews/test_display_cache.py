"""Cached catalog pages stay exact after a new review: the product page, the listings'
cards and the reviews page show the new figures at once, on the production cache
(Redis, through core.redis_cache) as on the tests' local one."""

import pytest
from django.core.cache import cache
from django.db import transaction

from tests.factories import ProductFactory
from tests.reviews.factories import make_review
from tests.reviews.test_display import reviews_url, text_of


@pytest.fixture
def production_cache(settings, private_redis):
    """The cache as production has it: the fault-tolerant Redis backend on a Redis of
    the test's own."""
    settings.CACHES = {
        "default": {
            "BACKEND": "core.redis_cache.FaultTolerantRedisCache",
            "LOCATION": private_redis.url,
            "KEY_PREFIX": "hubei",
        }
    }
    cache.clear()
    yield
    cache.clear()


def warm(client, urls, django_assert_num_queries):
    """Each page once rendered and then served from the cache (no SQL)."""
    for url in urls:
        client.get(url)
        with django_assert_num_queries(0):
            assert client.get(url).status_code == 200, url


def review_as_the_service_writes_it(product, django_capture_on_commit_callbacks, **fields):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        return make_review(product, **fields)


def check_new_review_shows(client, django_assert_num_queries, callbacks):
    product = ProductFactory(slug="zigui-navel", is_featured=True)
    make_review(product, stars=5, text="第一条")
    urls = ["/", "/products/", product.get_absolute_url(), reviews_url(product)]
    warm(client, urls, django_assert_num_queries)

    review_as_the_service_writes_it(product, callbacks, stars=4, text="刚写的评价")

    for url in urls[:3]:
        assert "4.5 · 2 条评价" in text_of(client.get(url).content.decode()), url
    assert "刚写的评价" in client.get(product.get_absolute_url()).content.decode()
    assert "刚写的评价" in client.get(reviews_url(product)).content.decode()


@pytest.mark.django_db
def test_a_new_review_shows_at_once_on_cached_pages(
    client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    check_new_review_shows(client, django_assert_num_queries, django_capture_on_commit_callbacks)


@pytest.mark.django_db
def test_a_new_review_shows_at_once_on_pages_cached_in_redis(
    production_cache, client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    check_new_review_shows(client, django_assert_num_queries, django_capture_on_commit_callbacks)


@pytest.mark.django_db
def test_the_reviews_page_caches_each_filter_apart(client):
    product = ProductFactory()
    make_review(product, stars=5, text="带图的那条", photos=1)
    make_review(product, stars=3, text="三星的那条")

    everything = client.get(reviews_url(product)).content.decode()
    with_photos = client.get(reviews_url(product, "?photos=1")).content.decode()
    three_stars = client.get(reviews_url(product, "?stars=3")).content.decode()

    assert "带图的那条" in everything and "三星的那条" in everything
    assert "带图的那条" in with_photos and "三星的那条" not in with_photos
    assert "三星的那条" in three_stars and "带图的那条" not in three_stars

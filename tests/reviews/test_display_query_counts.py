"""The pages that show reviews run the same number of SQL queries for 1 review as for
30 (each with photos, a follow-up and a reply), cold cache (the worst case)."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.factories import ProductFactory, VendorFactory, make_shop
from tests.reviews.factories import make_review

pytestmark = pytest.mark.django_db


def reviewed_product(size, vendor=None):
    product = ProductFactory(slug="zigui-navel", vendor=vendor or VendorFactory(), is_featured=True)
    for n in range(size):
        make_review(
            product,
            stars=1 + n % 5,
            text=f"评价{n}",
            photos=2,
            follow_up="追评" if n % 2 else "",
            follow_up_photos=n % 2,
            reply="谢谢" if n % 3 else "",
        )
    make_review(product, text="隐藏的", hidden=True)
    return product


# (url, cold queries) for a signed-out shopper.
SHOPPER_PAGES = [
    # the product page's own 6 here (its id read first; no promotion running: tests/
    # catalog/test_query_counts.py has more), and the reviews section's 3: the three
    # newest reviews with their authors, their photos, the stars summary
    ("/products/zigui-navel/", 9),
    # the product, the count and the page of reviews with their authors, their photos,
    # the stars summary, the promotions (when the cached page goes stale)
    ("/products/zigui-navel/reviews/", 6),
    ("/products/zigui-navel/reviews/?photos=1&page=2", 6),
    ("/products/zigui-navel/reviews/?stars=1", 6),
    # cards read the rating line from the products' columns: the listing's own counts
    # with its facets (catalog/facets.py), its ids, then its cards (one query, with
    # their first photos: catalog/card_rows.py)
    ("/products/", 8),
    ("/", 7),
]


@pytest.mark.parametrize("size", [1, 30])
@pytest.mark.parametrize(("url", "cold"), SHOPPER_PAGES)
def test_review_pages_run_a_fixed_number_of_queries(
    client, django_assert_num_queries, size, url, cold
):
    reviewed_product(size)
    cache.clear()

    with django_assert_num_queries(cold):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("size", [1, 30])
def test_the_shops_reviews_page_runs_a_fixed_number_of_queries(
    client, django_user_model, django_assert_num_queries, session_reads, size
):
    owner, vendor = make_shop(django_user_model)
    reviewed_product(size, vendor=vendor)
    client.force_login(owner)

    # the session's user, the memberships, the after-sales counts of the nav, the count
    # and the page of reviews with their authors and products, their photos
    with django_assert_num_queries(6 + session_reads):
        assert client.get(reverse("vendor:reviews")).status_code == 200

"""The rating line on every product card and on the product page: 4.8 · 1,203 条评价 ·
已售 5,000+, each part left out when it is zero, read from the product's columns."""

import pytest

from catalog.models import Product
from catalog.revision import bump_catalog_revision
from tests.factories import (
    CategoryFactory,
    FeaturedProductFactory,
    ProductFactory,
    VendorFactory,
)
from tests.reviews.test_display import text_of

pytestmark = pytest.mark.django_db


def with_figures(product, *, count, total, sold):
    """The figures reviews.ratings and the orders keep, set as they leave them."""
    Product.objects.filter(pk=product.pk).update(
        rating_count=count, rating_total=total, units_sold=sold
    )
    bump_catalog_revision()
    return product


def listing_urls(product):
    return [
        "/",
        "/products/",
        product.category.get_absolute_url(),
        product.vendor.get_absolute_url(),
        product.get_absolute_url(),
    ]


def test_cards_and_the_product_page_show_the_rating_line_in_chinese(client):
    product = with_figures(ProductFactory(is_featured=True), count=1203, total=5774, sold=5123)

    for url in listing_urls(product):
        page = text_of(client.get(url).content.decode())
        assert "4.8 · 1,203 条评价 · 已售 5,000+" in page, url


def test_cards_show_the_rating_line_in_english(english):
    product = with_figures(ProductFactory(is_featured=True), count=1203, total=5774, sold=5123)

    for url in listing_urls(product):
        page = text_of(english.get(url).content.decode())
        assert "4.8 · 1,203 reviews · 5,000+ sold" in page, url


def test_one_review_reads_in_the_singular_in_english(english):
    with_figures(ProductFactory(), count=1, total=4, sold=0)

    page = text_of(english.get("/products/").content.decode())

    assert "4.0 · 1 review" in page
    assert "sold" not in page


def test_a_part_that_is_zero_is_left_out(client):
    category = CategoryFactory()
    vendor = VendorFactory()
    reviewed = with_figures(
        ProductFactory(name="只有评价", category=category, vendor=vendor), count=2, total=9, sold=0
    )
    sold = with_figures(
        ProductFactory(name="只有销量", category=category, vendor=vendor), count=0, total=0, sold=37
    )
    nothing = ProductFactory(name="什么都没有", category=category, vendor=vendor)

    reviewed_page = text_of(product_article(client.get(reviewed.get_absolute_url())))
    sold_page = product_article(client.get(sold.get_absolute_url()))
    nothing_page = product_article(client.get(nothing.get_absolute_url()))

    assert "4.5 · 2 条评价" in reviewed_page and "已售" not in reviewed_page
    assert '<p class="rating-line"><span class="rating-sold">已售 37</span></p>' in sold_page
    assert 'class="rating-line"' not in nothing_page


def product_article(response) -> str:
    """The product itself on its page (not the cards of "more from the shop")."""
    html = response.content.decode()
    return html.split('<article class="product">')[1].split("</article>")[0]


def test_a_streams_product_cards_show_the_rating_line(client):
    product = with_figures(ProductFactory(), count=12, total=57, sold=230)
    featured = FeaturedProductFactory(product=product)

    page = text_of(client.get(f"/live/{featured.stream.slug}/").content.decode())

    assert "4.8 · 12 条评价 · 已售 200+" in page


def test_the_average_rounds_half_up_as_shoppers_do():
    product = ProductFactory()
    product.rating_count, product.rating_total = 4, 17  # 4.25

    assert str(product.rating) == "4.3"

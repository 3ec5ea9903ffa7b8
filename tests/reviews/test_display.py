"""Shoppers read reviews: the summary and newest reviews below a product, every review
on its reviews page, the rating line on cards; hidden reviews are gone everywhere."""

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from catalog import product_sections
from catalog.models import Product
from reviews import display, ratings
from reviews.display import masked_name
from reviews.models import Review
from tests.factories import ProductFactory, ShopperFactory
from tests.reviews.factories import make_review

pytestmark = pytest.mark.django_db


def text_of(html: str) -> str:
    """What a reader sees: tags dropped, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def reviews_url(product, query=""):
    return reverse("review_pages:product", args=[product.slug]) + query


def test_the_product_page_shows_the_summary_and_the_three_newest_shown_reviews(client):
    product = ProductFactory()
    make_review(product, stars=5, text="第一条评价", days_ago=4)
    make_review(product, stars=5, text="第二条评价", days_ago=3)
    make_review(product, stars=5, text="第三条评价", days_ago=2)
    make_review(product, stars=3, text="第四条评价", days_ago=1)

    html = client.get(product.get_absolute_url()).content.decode()

    assert "第一条评价" not in html  # the oldest of four: on the reviews page only
    assert html.index("第四条评价") < html.index("第三条评价") < html.index("第二条评价")
    page = text_of(html)
    assert "4.5 · 4 条评价" in page  # the rating line
    assert "5 星 3 4 星 0 3 星 1 2 星 0 1 星 0" in page  # the summary, 5 stars down
    assert f'href="{reviews_url(product)}"' in html
    assert "查看全部评价" in html


def test_a_product_without_reviews_says_so_and_shows_no_rating_line(client):
    product = ProductFactory()

    html = client.get(product.get_absolute_url()).content.decode()

    assert "还没有评价" in html
    assert 'class="rating-line"' not in html


def test_a_hidden_review_is_gone_from_the_pages_and_the_figures(client):
    product = ProductFactory()
    make_review(product, stars=5, text="好吃")
    make_review(product, stars=1, text="骂人的话", hidden=True)

    for url in [product.get_absolute_url(), reviews_url(product), "/products/"]:
        assert "骂人的话" not in client.get(url).content.decode(), url
    summary = text_of(client.get(reviews_url(product)).content.decode())
    assert "5 星 1 4 星 0 3 星 0 2 星 0 1 星 0" in summary
    for url in [product.get_absolute_url(), "/products/"]:
        assert "5.0 · 1 条评价" in text_of(client.get(url).content.decode()), url
    product.refresh_from_db()
    assert (product.rating_count, product.rating_total) == (1, 5)


def test_a_review_hidden_after_it_was_counted_leaves_the_cached_pages(client):
    product = ProductFactory()
    make_review(product, stars=5, text="很好")
    review = make_review(product, stars=1, text="难听的话")
    assert "难听的话" in client.get(product.get_absolute_url()).content.decode()

    # as the staff's hiding does: hidden, then uncounted in the same transaction
    Review.objects.filter(pk=review.pk).update(hidden_at=review.created_at)
    ratings.review_uncounted(review)

    for url in [product.get_absolute_url(), reviews_url(product), "/products/"]:
        assert "难听的话" not in client.get(url).content.decode(), url
    for url in [product.get_absolute_url(), "/products/"]:
        assert "5.0 · 1 条评价" in text_of(client.get(url).content.decode()), url


def test_authors_are_shown_masked():
    assert masked_name(ShopperFactory.build(last_name="王", first_name="小明")) == "王**"
    assert masked_name(ShopperFactory.build(username="fan-2020")) == "f**"


def test_the_pages_show_the_author_masked_never_their_name(client):
    product = ProductFactory()
    author = ShopperFactory(username="wangxiaoming", last_name="王", first_name="小明")
    make_review(product, author=author)

    for url in [product.get_absolute_url(), reviews_url(product)]:
        html = client.get(url).content.decode()
        assert "王**" in html
        assert "小明" not in html and "wangxiaoming" not in html


def test_review_text_follow_up_and_reply_are_escaped(client):
    product = ProductFactory()
    make_review(
        product,
        text="<script>alert(1)</script>好吃",
        follow_up="<b>追加</b>",
        reply="<img src=x onerror=alert(2)>",
    )

    for url in [product.get_absolute_url(), reviews_url(product)]:
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;好吃" in html
        assert "&lt;b&gt;追加&lt;/b&gt;" in html
        assert "&lt;img src=x onerror=alert(2)&gt;" in html


def test_photos_follow_up_and_the_shops_reply_show_under_the_review(client):
    product = ProductFactory()
    make_review(
        product, photos=2, follow_up="吃了一周，还是很新鲜", follow_up_photos=1, reply="谢谢支持！"
    )

    html = client.get(product.get_absolute_url()).content.decode()

    assert html.count('alt="评价的照片"') == 2
    assert html.count('alt="追评的照片"') == 1
    page = text_of(html)
    assert "追评" in page and "吃了一周，还是很新鲜" in page
    assert "商家回复" in page and "谢谢支持！" in page


def test_the_reviews_page_filters_those_with_photos_and_by_stars(client):
    product = ProductFactory()
    make_review(product, stars=5, text="带图评价甲", photos=1)
    make_review(product, stars=4, text="纯文字评价乙")
    make_review(product, stars=2, text="两星的评价")

    with_photos = client.get(reviews_url(product, "?photos=1")).content.decode()
    four_stars = client.get(reviews_url(product, "?stars=4")).content.decode()
    everything = client.get(reviews_url(product, "?stars=9")).content.decode()

    assert "带图评价甲" in with_photos
    assert "纯文字评价乙" not in with_photos and "两星的评价" not in with_photos
    assert "纯文字评价乙" in four_stars
    assert "带图评价甲" not in four_stars and "两星的评价" not in four_stars
    for text in ["带图评价甲", "纯文字评价乙", "两星的评价"]:
        assert text in everything  # not a number of stars: every review


def test_the_reviews_page_shows_twenty_a_page_newest_first(client):
    product = ProductFactory()
    for n in range(23):
        make_review(product, text=f"评价编号{n:02d}", days_ago=30 - n)

    first = client.get(reviews_url(product)).content.decode()
    second = client.get(reviews_url(product, "?page=2")).content.decode()

    assert first.count('class="review"') == 20
    assert "评价编号22" in first and "评价编号03" in first and "评价编号02" not in first
    assert second.count('class="review"') == 3
    assert "评价编号02" in second and "评价编号00" in second
    assert "第 2 页" in text_of(second) or "2" in text_of(second)


def test_the_reviews_page_of_a_product_not_shown_is_a_404(client):
    product = ProductFactory(status=Product.Status.DRAFT)

    assert client.get(reviews_url(product)).status_code == 404
    assert client.get("/products/no-such-thing/reviews/").status_code == 404


def test_the_reviews_read_in_english(english):
    product = ProductFactory()
    make_review(product, stars=4, follow_up="Still fresh a week on", reply="Thank you!", photos=1)

    page = text_of(english.get(product.get_absolute_url()).content.decode())
    reviews_page = text_of(english.get(reviews_url(product, "?photos=1")).content.decode())

    assert "Reviews" in page and "4.0 · 1 review" in page
    assert "Follow-up" in page and "Shop's reply" in page and "See all reviews" in page
    assert "4 stars 1" in page and "1 star 0" in page
    assert "With photos" in reviews_page and "Still fresh a week on" in reviews_page


def test_a_product_section_name_is_taken_once():
    product_sections.register("reviews", display.product_section)  # ready() again: a no-op

    with pytest.raises(ImproperlyConfigured):
        product_sections.register("reviews", lambda product: None)
    assert product_sections.PROVIDERS["reviews"] is display.product_section


def test_odd_filters_on_the_reviews_page_show_every_review(client):
    product = ProductFactory()
    make_review(product, text="唯一的评价")

    for query in ["?stars=%00&photos=%00&page=%00", "?stars=0", "?stars=-1", "?page=99"]:
        response = client.get(reviews_url(product, query))
        assert response.status_code == 200, query
        assert "唯一的评价" in response.content.decode(), query

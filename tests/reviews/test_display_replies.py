"""The shop replies once, publicly, to a review of its own; another shop's review is a
404; the reply shows under the review on the cached pages."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from catalog.models import Vendor
from notifications.delivery import deliver_pending
from notifications.models import LanguagePreference
from reviews import replies
from reviews.models import Review
from tests.factories import ProductFactory, make_shop
from tests.reviews.factories import make_review
from tests.reviews.test_display import reviews_url, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(django_user_model):
    owner, vendor = make_shop(django_user_model, "zigui")
    return owner, vendor


@pytest.fixture
def shop_client(client, shop):
    client.force_login(shop[0])
    return client


def reply_url(review):
    return reverse("vendor:review_reply", args=[review.pk])


def test_the_shop_lists_its_reviews_unreplied_first_with_a_reply_form(shop_client, shop):
    _, vendor = shop
    product = ProductFactory(vendor=vendor, name="秭归脐橙")
    replied = make_review(product, text="已回复的评价", reply="谢谢", days_ago=0)
    waiting = make_review(product, text="等待回复的评价", days_ago=5)
    make_review(ProductFactory(), text="别家店的评价")
    make_review(product, text="被隐藏的评价", hidden=True)

    response = shop_client.get(reverse("vendor:reviews"))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("等待回复的评价") < html.index("已回复的评价")
    assert "别家店的评价" not in html and "被隐藏的评价" not in html
    assert f'action="{reply_url(waiting)}"' in html
    assert f'action="{reply_url(replied)}"' not in html
    assert "秭归脐橙" in html
    assert 'href="/vendor/reviews/" aria-current="page"' in html  # in the dashboard's nav


def test_the_shops_reply_shows_under_the_review_on_the_cached_pages(client, shop):
    owner, vendor = shop
    product = ProductFactory(vendor=vendor)
    review = make_review(product, text="橙子很甜")
    for url in [product.get_absolute_url(), reviews_url(product)]:
        assert "商家回复" not in client.get(url).content.decode()  # cached without a reply

    client.force_login(owner)
    response = client.post(reply_url(review), {"text": "感谢您的支持，欢迎再来！"})
    client.logout()

    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.reply, review.replied_by) == ("感谢您的支持，欢迎再来！", owner)
    for url in [product.get_absolute_url(), reviews_url(product)]:
        page = text_of(client.get(url).content.decode())
        assert "商家回复" in page and "感谢您的支持，欢迎再来！" in page, url


def test_a_review_gets_one_reply(shop_client, shop):
    owner, vendor = shop
    review = make_review(ProductFactory(vendor=vendor))
    replies.reply_to_review(review=review, by=owner, text="第一次回复")

    response = shop_client.post(reply_url(review), {"text": "第二次回复"}, follow=True)

    assert "店铺已经回复过这条评价" in response.content.decode()
    with pytest.raises(ValidationError) as refused:
        replies.reply_to_review(review=Review.objects.get(pk=review.pk), by=owner, text="再一次")
    assert refused.value.messages == [str(replies.ALREADY_REPLIED)]
    review.refresh_from_db()
    assert review.reply == "第一次回复"


def test_another_shops_review_is_a_404_and_unchanged(shop_client, shop):
    review = make_review(ProductFactory(), text="别家店的评价")

    response = shop_client.post(reply_url(review), {"text": "不是我的评价"})

    assert response.status_code == 404
    review.refresh_from_db()
    assert (review.reply, review.replied_at) == ("", None)
    with pytest.raises(PermissionDenied):
        replies.reply_to_review(review=review, by=shop[0], text="不是我的评价")


def test_a_hidden_review_cannot_be_replied_to(shop_client, shop):
    owner, vendor = shop
    review = make_review(ProductFactory(vendor=vendor), hidden=True)

    assert shop_client.post(reply_url(review), {"text": "回复"}).status_code == 404
    with pytest.raises(ValidationError) as refused:
        replies.reply_to_review(review=review, by=owner, text="回复")
    assert refused.value.messages == [str(replies.REVIEW_HIDDEN)]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "请填写回复"),
        ("   ", "请填写回复"),
        ("好" * 501, "500"),
        ("有\x00空字符", "空字符"),
    ],
)
def test_a_bad_reply_is_refused_and_nothing_changes(shop_client, shop, text, says):
    _, vendor = shop
    review = make_review(ProductFactory(vendor=vendor))

    response = shop_client.post(reply_url(review), {"text": text})

    assert response.status_code == 400
    if says != "空字符":
        assert says in response.content.decode()
    review.refresh_from_db()
    assert (review.reply, review.replied_at) == ("", None)


def test_a_suspended_shop_cannot_reply(shop_client, shop):
    _, vendor = shop
    review = make_review(ProductFactory(vendor=vendor))
    Vendor.objects.filter(pk=vendor.pk).update(status=Vendor.Status.SUSPENDED)

    response = shop_client.post(reply_url(review), {"text": "回复"})

    assert response.status_code == 403
    review.refresh_from_db()
    assert review.reply == ""


def test_the_service_refuses_an_empty_or_too_long_reply(shop):
    owner, vendor = shop
    review = make_review(ProductFactory(vendor=vendor))

    for text, code in [
        ("  ", "reply_required"),
        ("长" * 501, "reply_too_long"),
        ("a\x00", "reply_nul"),
    ]:
        with pytest.raises(ValidationError) as refused:
            replies.reply_to_review(review=review, by=owner, text=text)
        assert refused.value.code == code
    review.refresh_from_db()
    assert review.reply == ""


@pytest.mark.parametrize(
    ("language", "says"),
    [("zh-hans", "回复了您对 秭归脐橙 的评价"), ("en", "replied to your review of Zigui oranges")],
)
def test_the_author_is_told_of_the_reply_in_their_language(shop, language, says):
    owner, vendor = shop
    review = make_review(ProductFactory(vendor=vendor, name="秭归脐橙", name_en="Zigui oranges"))
    type(review.author).objects.filter(pk=review.author_id).update(email="buyer@example.cn")
    LanguagePreference.objects.update_or_create(user=review.author, defaults={"language": language})
    deliver_pending()
    mail.outbox.clear()

    replies.reply_to_review(review=review, by=owner, text="谢谢支持，欢迎再来！")
    deliver_pending()

    (message,) = [m for m in mail.outbox if m.to == ["buyer@example.cn"]]
    assert says in message.subject
    assert "谢谢支持，欢迎再来！" in message.body
    assert reverse("reviews:mine") in message.body

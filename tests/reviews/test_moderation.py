"""Staff hide an abusive review with a reason: it leaves the product's and the shop's
figures, its author reads why (on "my reviews" and in a message in their language), and
staff may show it again. The admin's actions go through the same services."""

from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from notifications.delivery import deliver_pending
from notifications.models import LanguagePreference, Notification
from reviews import services
from reviews.messages import TO_AUTHOR
from reviews.models import Review
from tests.reviews.helpers import figures, oranges, received_line, shop_rating, staff_member

pytestmark = pytest.mark.django_db
REASON = "Insults the courier <b>by name</b>."


@pytest.fixture
def two_reviews():
    """A product reviewed 5★ and 1★ by two shoppers: (product, kept, abusive)."""
    product = oranges()
    kept_line, abusive_line = received_line(product), received_line(product)
    kept = services.write_review(author=kept_line.part.order.shopper, line=kept_line, stars=5)
    abusive = services.write_review(
        author=abusive_line.part.order.shopper, line=abusive_line, stars=1, text="Rubbish!!"
    )
    return product, kept, abusive


def test_a_hidden_review_leaves_the_product_and_shop_figures(two_reviews):
    product, _kept, abusive = two_reviews
    assert figures(product) == (2, 6, Decimal("3.0"))
    assert shop_rating(product.vendor) == (Decimal("3.00"), 2)

    services.hide_review(abusive, by=staff_member(), reason=REASON)

    assert figures(product) == (1, 5, Decimal("5.0"))
    assert shop_rating(product.vendor) == (Decimal("5.00"), 1)
    assert list(Review.objects.shown().values_list("stars", flat=True)) == [5]


def test_showing_it_again_counts_it_again(two_reviews):
    product, _kept, abusive = two_reviews
    staff = staff_member()
    services.hide_review(abusive, by=staff, reason=REASON)

    services.show_review_again(abusive, by=staff)

    assert figures(product) == (2, 6, Decimal("3.0"))
    assert shop_rating(product.vendor) == (Decimal("3.00"), 2)
    abusive.refresh_from_db()
    assert (abusive.hidden_at, abusive.hidden_reason) == (None, "")


def test_hiding_needs_a_reason_and_happens_once(two_reviews):
    product, _kept, abusive = two_reviews
    staff = staff_member()

    with pytest.raises(ValidationError) as error:
        services.hide_review(abusive, by=staff, reason="  \x00 ")
    assert error.value.messages == ["Say why the review is hidden: its author reads it."]
    assert figures(product) == (2, 6, Decimal("3.0"))

    services.hide_review(abusive, by=staff, reason=REASON)
    with pytest.raises(ValidationError) as error:
        services.hide_review(abusive, by=staff, reason="Again.")
    assert error.value.messages == ["This review is already hidden."]
    assert figures(product) == (1, 5, Decimal("5.0"))
    assert Notification.objects.filter(kind=TO_AUTHOR).count() == 1

    with pytest.raises(ValidationError):
        services.show_review_again(Review.objects.get(stars=5), by=staff)
    assert figures(product) == (1, 5, Decimal("5.0"))


def test_the_author_sees_the_reason_on_my_reviews_escaped(client, two_reviews):
    _product, _kept, abusive = two_reviews
    services.hide_review(abusive, by=staff_member(), reason=REASON)
    client.force_login(abusive.author)

    page = client.get(reverse("reviews:mine"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Hidden by our staff" in page
    assert "Insults the courier &lt;b&gt;by name&lt;/b&gt;." in page
    assert "<b>by name</b>" not in page


@pytest.mark.parametrize(
    ("language", "subject", "body"),
    [
        ("en", "Your review of", "The reason: Insults the courier <b>by name</b>."),
        ("zh-hans", "您对", "原因：Insults the courier <b>by name</b>"),
    ],
)
def test_the_author_is_told_in_their_language(two_reviews, language, subject, body):
    _product, _kept, abusive = two_reviews
    LanguagePreference.objects.filter(user=abusive.author).update(language=language)
    deliver_pending()
    mail.outbox.clear()

    services.hide_review(abusive, by=staff_member(), reason=REASON)
    deliver_pending()

    (message,) = [m for m in mail.outbox if m.to == [abusive.author.email]]
    assert subject in message.subject
    assert body in message.body
    assert reverse("reviews:mine") in message.body


def test_chinese_shopper_reads_hidden_and_shown_again_in_chinese(two_reviews):
    _product, _kept, abusive = two_reviews
    LanguagePreference.objects.filter(user=abusive.author).update(language="zh-hans")
    staff = staff_member()
    deliver_pending()
    mail.outbox.clear()

    services.hide_review(abusive, by=staff, reason="辱骂快递员")
    services.show_review_again(abusive, by=staff)
    deliver_pending()

    subjects = {m.subject for m in mail.outbox if m.to == [abusive.author.email]}
    item = abusive.line.product_name
    assert subjects == {f"您对“{item}”的评价已被隐藏", f"您对“{item}”的评价已恢复显示"}


def test_staff_hide_from_the_admin_with_a_reason(staff_client, two_reviews):
    product, _kept, abusive = two_reviews
    changelist = reverse("admin:reviews_review_changelist")
    chosen = {"action": "hide_reviews", ACTION_CHECKBOX_NAME: [abusive.pk]}

    asked = staff_client.post(changelist, chosen)
    assert asked.status_code == 200
    assert "Reason the author is told" in asked.content.decode()
    assert figures(product) == (2, 6, Decimal("3.0"))

    refused = staff_client.post(changelist, {**chosen, "reason": ""})
    assert "This field is required." in refused.content.decode()

    done = staff_client.post(changelist, {**chosen, "reason": "Abusive."}, follow=True)
    assert "1 review hidden." in done.content.decode()
    abusive.refresh_from_db()
    assert (abusive.hidden_reason, abusive.hidden_by.username) == ("Abusive.", "staff")
    assert figures(product) == (1, 5, Decimal("5.0"))

    shown = staff_client.post(
        changelist,
        {"action": "show_reviews_again", ACTION_CHECKBOX_NAME: [abusive.pk]},
        follow=True,
    )
    assert "1 review shown again." in shown.content.decode()
    assert figures(product) == (2, 6, Decimal("3.0"))


def test_the_admin_lists_filters_and_searches_reviews(staff_client, two_reviews):
    _product, kept, abusive = two_reviews
    services.hide_review(abusive, by=staff_member(), reason="Abusive.")
    changelist = reverse("admin:reviews_review_changelist")

    hidden = staff_client.get(changelist, {"hidden": "yes"}).content.decode()
    found = staff_client.get(changelist, {"q": "Rubbish"}).content.decode()
    detail = staff_client.get(reverse("admin:reviews_review_change", args=[kept.pk]))

    assert "★☆☆☆☆" in hidden and "★★★★★" not in hidden
    assert "Rubbish!!" in found
    assert detail.status_code == 200

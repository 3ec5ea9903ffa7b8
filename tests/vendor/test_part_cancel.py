"""A shop that cannot ship its part of an order cancels that part, saying why."""

import pytest
from django.core import mail
from django.urls import reverse

from catalog.models import Product
from notifications.delivery import deliver_pending
from orders.models import Order, OrderPart
from tests.factories import ProductFactory
from tests.vendor.conftest import buy

pytestmark = pytest.mark.django_db
REASON = "霜冻，茶园减产，无法发货"
CANCEL = {"reason": REASON, "confirm": "on"}  # the reason, and the box ticked to confirm


def test_cancelling_its_part_returns_stock_tells_the_shopper_why_and_the_rest_ships(
    shop, product_of, django_user_model, django_capture_on_commit_callbacks
):
    client, owner, vendor = shop
    tea = product_of(vendor, name="恩施玉露", stock=10)
    order = buy(django_user_model, tea, ProductFactory(name="潜江小龙虾", stock=10))
    mine = order.parts.get(vendor=vendor)
    deliver_pending()  # the order's own messages, sent when it was placed
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("vendor:order_cancel", args=[mine.pk]), CANCEL)

    mine.refresh_from_db()
    order.refresh_from_db()
    assert response["Location"] == reverse("vendor:order", args=[mine.pk])
    assert mine.status == OrderPart.Status.CANCELLED
    assert order.status == Order.Status.CONFIRMED  # the other shop still ships
    assert Product.objects.get(pk=tea.pk).stock == 10
    event = mine.events.get(to_status="cancelled")
    assert (event.by, event.note) == (owner, REASON)
    assert [m.to for m in mail.outbox] == [["shopper@example.cn"]]
    assert REASON in mail.outbox[0].body and "恩施玉露" in mail.outbox[0].body
    client.force_login(order.shopper)
    page = client.get(
        reverse("orders:detail", args=[order.number]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    other = order.parts.exclude(pk=mine.pk).get()
    assert f"To pay now</dt><dd><strong>¥{other.subtotal:,.2f}</strong>" in page


def test_cancelling_the_only_part_cancels_the_order(shop, product_of, django_user_model):
    client, _owner, vendor = shop
    order = buy(django_user_model, product_of(vendor, stock=10))

    client.post(reverse("vendor:order_cancel", args=[order.parts.get().pk]), CANCEL)

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED


def test_a_cancellation_without_a_reason_is_refused_and_changes_nothing(
    shop, product_of, django_user_model
):
    client, _owner, vendor = shop
    order = buy(django_user_model, product_of(vendor, stock=10))
    part = order.parts.get()

    response = client.post(
        reverse("vendor:order_cancel", args=[part.pk]), {"reason": "  "}, HTTP_ACCEPT_LANGUAGE="en"
    )

    part.refresh_from_db()
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert part.status == OrderPart.Status.PENDING


def test_a_shipped_part_cannot_be_cancelled(shop, product_of, django_user_model):
    client, _owner, vendor = shop
    order = buy(django_user_model, product_of(vendor, stock=10))
    part = order.parts.get()
    client.post(
        reverse("vendor:order_ship", args=[part.pk]),
        {"carrier": "sf", "tracking_number": "SF1234567890"},
    )

    response = client.post(
        reverse("vendor:order_cancel", args=[part.pk]),
        CANCEL,
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    part.refresh_from_db()
    assert part.status == OrderPart.Status.SHIPPED
    assert "A part that is shipped cannot be cancelled." in response.content.decode()


def test_a_cancellation_not_confirmed_is_refused_and_changes_nothing(
    shop, product_of, django_user_model
):
    client, _owner, vendor = shop
    order = buy(django_user_model, product_of(vendor, stock=10))
    part = order.parts.get()
    assert (
        "Yes, cancel this part. It cannot be undone."
        in client.get(reverse("vendor:order", args=[part.pk])).content.decode()
    )

    response = client.post(reverse("vendor:order_cancel", args=[part.pk]), {"reason": REASON})

    part.refresh_from_db()
    assert response.status_code == 400
    assert "Tick the box to confirm the cancellation." in response.content.decode()
    assert part.status == OrderPart.Status.PENDING
    assert Product.objects.get(vendor=vendor).stock == 8


@pytest.mark.parametrize(
    ("language", "said", "badge"),
    [
        ("en", f"Cancelled by the shop: {REASON}", "Cancelled"),
        ("zh-hans", f"商家已取消：{REASON}", "已取消"),
    ],
)
def test_the_shopper_reads_the_shops_reason_on_that_part_of_the_order_page(
    shop, product_of, django_user_model, language, said, badge
):
    client, _owner, vendor = shop
    order = buy(
        django_user_model,
        product_of(vendor, name="恩施玉露", name_en="Enshi Yulu tea", stock=10),
        ProductFactory(name="潜江小龙虾", name_en="Qianjiang crayfish", stock=10),
    )
    mine = order.parts.get(vendor=vendor)
    client.post(reverse("vendor:order_cancel", args=[mine.pk]), CANCEL)

    client.force_login(order.shopper)
    page = client.get(
        reverse("orders:detail", args=[order.number]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()

    mine_section, other_section = page.split('class="cart-vendor order-part"')[1:]
    if "恩施玉露" not in mine_section and "Enshi Yulu tea" not in mine_section:
        mine_section, other_section = other_section, mine_section
    assert said in mine_section
    assert f'<span class="badge badge-cancelled">{badge}</span>' in mine_section
    assert REASON not in other_section


@pytest.mark.parametrize(
    ("language", "label", "before", "after"),
    [
        ("zh-hans", "为什么无法发货？</label>", "待发商品", "已取消的商品"),
        ("en", "Why can you not ship it?</label>", "Items to ship", "Cancelled items"),
    ],
)
def test_the_part_page_asks_why_plainly_and_names_cancelled_items_once_cancelled(
    shop, product_of, django_user_model, language, label, before, after
):
    client, _owner, vendor = shop
    part = buy(django_user_model, product_of(vendor, stock=10)).parts.get()
    page_url = reverse("vendor:order", args=[part.pk])

    page = client.get(page_url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert label in page and f"<h2>{before}</h2>" in page
    client.post(reverse("vendor:order_cancel", args=[part.pk]), CANCEL)
    page = client.get(page_url, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert f"<h2>{after}</h2>" in page and before not in page

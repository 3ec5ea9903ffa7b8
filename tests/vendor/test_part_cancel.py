"""A shop that cannot ship its part of an order cancels that part, saying why."""

import pytest
from django.core import mail
from django.urls import reverse

from catalog.models import Product
from orders.models import Order, OrderPart
from orders.notifications import deliver_pending
from tests.factories import ProductFactory
from tests.vendor.conftest import buy

pytestmark = pytest.mark.django_db
REASON = "霜冻，茶园减产，无法发货"


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
        response = client.post(reverse("vendor:order_cancel", args=[mine.pk]),
                               {"reason": REASON})

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
    page = client.get(reverse("orders:detail", args=[order.number]),
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    other = order.parts.exclude(pk=mine.pk).get()
    assert f"To pay now</dt><dd><strong>¥{other.subtotal:,.2f}</strong>" in page


def test_cancelling_the_only_part_cancels_the_order(shop, product_of, django_user_model):
    client, _owner, vendor = shop
    order = buy(django_user_model, product_of(vendor, stock=10))

    client.post(reverse("vendor:order_cancel", args=[order.parts.get().pk]), {"reason": REASON})

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED


def test_a_cancellation_without_a_reason_is_refused_and_changes_nothing(
    shop, product_of, django_user_model
):
    client, _owner, vendor = shop
    order = buy(django_user_model, product_of(vendor, stock=10))
    part = order.parts.get()

    response = client.post(reverse("vendor:order_cancel", args=[part.pk]), {"reason": "  "},
                           HTTP_ACCEPT_LANGUAGE="en")

    part.refresh_from_db()
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert part.status == OrderPart.Status.PENDING


def test_a_shipped_part_cannot_be_cancelled(shop, product_of, django_user_model):
    client, _owner, vendor = shop
    order = buy(django_user_model, product_of(vendor, stock=10))
    part = order.parts.get()
    client.post(reverse("vendor:order_ship", args=[part.pk]),
                {"carrier": "顺丰速运", "tracking_number": "SF1"})

    response = client.post(reverse("vendor:order_cancel", args=[part.pk]), {"reason": REASON},
                           follow=True, HTTP_ACCEPT_LANGUAGE="en")

    part.refresh_from_db()
    assert part.status == OrderPart.Status.SHIPPED
    assert "A part that is shipped cannot be cancelled." in response.content.decode()

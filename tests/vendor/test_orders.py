from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from notifications.delivery import deliver_pending
from orders import services
from orders.models import Order, OrderPart
from tests.factories import ProductFactory
from tests.vendor.conftest import buy

pytestmark = pytest.mark.django_db


def test_a_vendor_sees_only_its_own_parts_with_the_delivery_address(
    shop, product_of, django_user_model
):
    client, _owner, vendor = shop
    order = buy(
        django_user_model,
        product_of(vendor, name="秭归脐橙", name_en=""),
        ProductFactory(name="潜江小龙虾", name_en=""),
    )  # no English: shown in Chinese
    mine = order.parts.get(vendor=vendor)

    listing = client.get(reverse("vendor:orders")).content.decode()
    page = client.get(reverse("vendor:order", args=[mine.pk])).content.decode()

    assert order.number in listing and "秭归脐橙 × 2" in listing
    assert "潜江小龙虾" not in listing
    assert "王五 · 13912345678" in page and "珞喻路 1 号" in page
    assert "潜江小龙虾" not in page


def test_shipping_tells_the_shopper_the_tracking_number(
    shop, product_of, django_user_model, django_capture_on_commit_callbacks
):
    client, owner, vendor = shop
    order = buy(django_user_model, product_of(vendor))
    part = order.parts.get()
    deliver_pending()  # the order's own messages, sent when it was placed
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("vendor:order_ship", args=[part.pk]),
            {"carrier": "sf", "tracking_number": " SF1234567890 "},
        )

    part.refresh_from_db()
    assert response["Location"] == reverse("vendor:order", args=[part.pk])
    assert (part.status, part.carrier, part.tracking_number) == ("shipped", "sf", "SF1234567890")
    assert part.events.get(to_status="shipped").by == owner
    history = client.get(reverse("vendor:order", args=[part.pk])).content.decode()
    assert "order: awaiting payment → confirmed" in history
    assert "this part: awaiting shipment → shipped" in history
    assert [m.to for m in mail.outbox] == [["shopper@example.cn"]]
    tracking_page = "https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF1234567890"
    assert "SF1234567890" in mail.outbox[0].body and tracking_page in mail.outbox[0].body
    assert tracking_page in history
    client.force_login(order.shopper)
    shopper_page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert "SF1234567890" in shopper_page and tracking_page in shopper_page

    assert "Mark as delivered" not in history  # only the shopper (or the sweep) confirms


def test_shipping_without_a_tracking_number_says_so(shop, product_of, django_user_model):
    client, _owner, vendor = shop
    part = buy(django_user_model, product_of(vendor)).parts.get()

    response = client.post(
        reverse("vendor:order_ship", args=[part.pk]), {"carrier": "sf", "tracking_number": ""}
    )

    assert response.status_code == 400
    assert "Enter the tracking number." in response.content.decode()
    assert OrderPart.objects.get().status == "pending"


def test_an_unpaid_bank_transfer_cannot_ship_yet(shop, product_of, django_user_model):
    client, _owner, vendor = shop
    part = buy(django_user_model, product_of(vendor), payment="bank_transfer").parts.get()

    page = client.get(reverse("vendor:order", args=[part.pk])).content.decode()
    refused = client.post(
        reverse("vendor:order_ship", args=[part.pk]),
        {"carrier": "ems", "tracking_number": "E1234567CN"},
        follow=True,
    )

    assert "Waiting for the bank transfer" in page
    assert "not confirmed yet" in refused.content.decode()
    assert OrderPart.objects.get().status == "pending"


def test_the_orders_list_filters_by_status(shop, product_of, django_user_model):
    client, _owner, vendor = shop
    product = product_of(vendor, stock=50)
    shipped = buy(django_user_model, product).parts.get()
    services.ship_part(shipped, carrier="EMS", tracking_number="E1", by=None)
    waiting = buy(django_user_model, product)

    html = client.get(reverse("vendor:orders"), {"status": "pending"}).content.decode()

    assert waiting.number in html and shipped.order.number not in html


def test_sales_summary_counts_the_last_30_days_without_cancellations(
    shop, product_of, django_user_model
):
    client, _owner, vendor = shop
    oranges = product_of(
        vendor, name="秭归脐橙", price=Decimal("59.90"), net_weight_g=5000, stock=100
    )
    tea = product_of(vendor, name="恩施玉露", price=Decimal("128.00"), net_weight_g=250, stock=100)
    buy(django_user_model, oranges, tea)  # 2 × 59.90 + 2 × 128.00
    buy(django_user_model, oranges)  # 2 × 59.90
    cancelled = buy(django_user_model, tea)
    services.cancel_order(cancelled, by=cancelled.shopper)
    old = buy(django_user_model, tea)
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))

    html = client.get(reverse("vendor:home")).content.decode()

    assert "<dd>2</dd>" in html  # orders
    assert "<dd>¥495.60</dd>" in html  # 239.60 + 256.00
    assert "<dd>20.5 kg</dd>" in html  # 4 × 5 kg + 2 × 250 g
    assert html.index(tea.name_en) < html.index(oranges.name_en)  # tea earned more: 256.00
    assert html.count('class="chart-bar"') == 30


@pytest.mark.parametrize("orders", [1, 4])
def test_dashboard_pages_run_a_fixed_number_of_queries(
    session_reads, shop, product_of, django_user_model, django_assert_num_queries, orders
):
    client, _owner, vendor = shop
    product = product_of(vendor, stock=100)
    for _ in range(orders):
        buy(django_user_model, product)
    part = OrderPart.objects.first()

    # session, user, memberships, then: 3 summary queries + waiting count + the shop's
    # contribution to the impact board + the after-sales figures (nav and home)
    with django_assert_num_queries(8 + session_reads):
        client.get(reverse("vendor:home"))
    # session, user, memberships, count, parts with orders, lines, after-sales figures
    with django_assert_num_queries(6 + session_reads):
        client.get(reverse("vendor:orders"))
    # session, user, memberships, part with order, lines, events, after-sales figures
    with django_assert_num_queries(6 + session_reads):
        client.get(reverse("vendor:order", args=[part.pk]))


def test_every_signed_in_list_shows_page_1_for_a_bad_page_and_the_last_past_the_end(
    shop, product_of, django_user_model
):
    from catalog.vendor.views import PRODUCTS_PER_PAGE

    client, owner, vendor = shop
    for _ in range(PRODUCTS_PER_PAGE + 1):
        product_of(vendor)
    buy(django_user_model, product_of(vendor))
    pages = [
        reverse("vendor:products"),
        reverse("vendor:orders"),
        reverse("orders:history"),
        reverse("notifications:inbox"),
    ]

    for path in pages:
        for page in ("abc", "0", "99"):
            assert client.get(path, {"page": page}).status_code == 200, (path, page)
    products = reverse("vendor:products")
    assert "Page 1 of 2" in client.get(products, {"page": "abc"}).content.decode()
    assert "Page 2 of 2" in client.get(products, {"page": "99"}).content.decode()

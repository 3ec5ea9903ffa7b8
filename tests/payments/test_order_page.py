"""What the shopper's and the vendor's pages say of an online payment: how it was paid
and refunded, when the time to pay is over, why the store closed an order."""

from datetime import timedelta

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from orders import services as order_services
from payments import services
from tests.factories import ProductFactory, make_shop
from tests.support.online_orders import checkout, start
from tests.support.payments import pay_in_sandbox


def test_a_paid_then_cancelled_order_shows_its_payment_and_refund(sandbox_site, client):
    order = checkout((ProductFactory(price="32.80"), 2))
    payment = start(order, "alipay")
    pay_in_sandbox(payment)
    client.force_login(order.shopper)
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}

    confirm = client.get(reverse("orders:cancel", args=[order.number]), **english)
    assert "¥65.60 goes back to your Alipay account at once." in confirm.content.decode()
    order_services.cancel_order(order, by=order.shopper)
    page = client.get(reverse("orders:detail", args=[order.number]), **english).content.decode()

    payment.refresh_from_db()
    assert "Payment details" in page and payment.gateway_trade_id in page
    assert "Refunded" in page and "¥65.60</strong> · refunded · Order cancelled" in page
    assert payment.refunds.get().refund_number in page


def test_an_order_closed_for_want_of_payment_says_so_in_the_readers_language(sandbox_site, client):
    order = checkout((ProductFactory(), 1))
    client.force_login(order.shopper)
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        cashier = client.get(reverse("payments:cashier", args=[order.number]))
        services.close_overdue_orders()

    assert "支付时间已过" in cashier.content.decode() or "time to pay" in cashier.content.decode()
    assert b'name="gateway"' not in cashier.content
    zh = client.get(reverse("orders:detail", args=[order.number]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    en = client.get(reverse("orders:detail", args=[order.number]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Closed: Not paid in time" in en.content.decode()
    assert "Cancelled by the shop" not in en.content.decode()
    assert "超时未付款" in zh.content.decode()


def test_a_vendor_is_told_not_to_ship_an_unpaid_online_order(sandbox_site, django_user_model):
    owner, zigui = make_shop(django_user_model, "zigui")
    order = checkout((ProductFactory(vendor=zigui), 1))
    part = order.parts.get()
    vendor = Client(HTTP_ACCEPT_LANGUAGE="en")
    vendor.force_login(owner)

    page = vendor.get(reverse("vendor:order", args=[part.pk])).content.decode()
    listing = vendor.get(reverse("vendor:orders")).content.decode()

    assert "The shopper has not paid yet: do not ship." in page
    assert "bank transfer" not in page.lower()
    row = listing[listing.index(order.number) :]
    assert row.index("awaiting payment") < row.index("</tr>")
    assert "badge-pending" not in row[: row.index("</tr>")]

"""English statuses and payment methods start with a capital where they stand alone
(badges, the payment line); the stored values stay as they are."""

import pytest
from django.urls import reverse

from tests.vendor.conftest import buy

pytestmark = pytest.mark.django_db


def test_english_statuses_and_payment_methods_are_capitalised(
    shop, product_of, django_user_model, client
):
    vendor_client, _owner, vendor = shop
    order = buy(django_user_model, product_of(vendor, stock=10))
    part = order.parts.get()
    en = {"HTTP_ACCEPT_LANGUAGE": "en"}

    vendor_list = vendor_client.get(reverse("vendor:orders"), **en).content.decode()
    vendor_page = vendor_client.get(reverse("vendor:order", args=[part.pk]), **en).content.decode()
    client.force_login(order.shopper)
    detail = client.get(reverse("orders:detail", args=[order.number]), **en).content.decode()
    history = client.get(reverse("orders:history"), **en).content.decode()

    pending = '<span class="badge badge-pending">Awaiting shipment</span>'
    assert pending in vendor_list and pending in vendor_page
    assert 'href="?status=shipped">Shipped</a>' in vendor_list
    assert "· Cash on delivery" in vendor_page
    assert '<span class="badge badge-confirmed">Confirmed</span>' in detail
    assert "<dd>Cash on delivery</dd>" in detail
    assert pending in detail
    assert '<span class="badge badge-confirmed">Confirmed</span>' in history
    assert ": Awaiting shipment" in history
    assert (order.status, order.payment_method) == ("confirmed", "cod")

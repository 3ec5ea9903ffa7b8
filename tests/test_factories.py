"""The factories build what the store would have: an order's parts and lines add up."""

from decimal import Decimal

import pytest

from orders import services
from tests import factories

pytestmark = pytest.mark.django_db


def test_users_are_made_as_create_user_makes_them():
    assert factories.UserFactory().has_usable_password() is False
    assert factories.UserFactory(password="pw").check_password("pw")
    shopper = factories.ShopperFactory(address__city="宜昌市")
    assert shopper.addresses.get().city == "宜昌市"
    assert factories.VendorMemberFactory().role == "owner"


def test_an_order_adds_up_over_its_parts_and_lines():
    a = factories.ProductFactory(price=Decimal("5.00"), net_weight_g=100)
    b = factories.ProductFactory(price=Decimal("7.00"), net_weight_g=1000)
    c = factories.ProductFactory(vendor=a.vendor, price=Decimal("1.00"), net_weight_g=10)

    order = factories.OrderFactory(lines=[(a, 2), (b, 1), (c, 3)])

    parts = {part.vendor_id: part for part in order.parts.all()}
    assert (order.total, order.weight_g) == (Decimal("20.00"), 1230)
    assert (parts[a.vendor_id].subtotal, parts[a.vendor_id].weight_g) == (Decimal("13.00"), 230)
    assert [(line.product, line.line_total) for line in parts[b.vendor_id].lines.all()] == [
        (b, Decimal("7.00"))
    ]
    assert order.mobile == order.address["mobile"]
    assert list(order.events.values_list("to_status", flat=True)) == ["placed"]


def test_a_featured_product_is_on_a_stream_live_now():
    featured = factories.FeaturedProductFactory(stream_price=Decimal("3.00"))
    assert featured.stream.state == "live"
    assert featured.stream.scheduled_start < featured.stream.scheduled_end


def test_a_factory_order_confirmed_by_the_services_counts_like_a_placed_one():
    order = factories.OrderFactory()
    services.confirm_payment(order, by=None)
    order.refresh_from_db()
    assert order.status == "confirmed"
    assert list(order.events.values_list("to_status", flat=True)) == ["placed", "confirmed"]

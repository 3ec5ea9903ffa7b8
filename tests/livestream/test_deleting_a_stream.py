"""A deleted stream stops counting as a stream sale: what was bought from its page, and
what waits in carts from it, becomes the web store's (as when the foreign key to the
stream was set to null)."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from livestream.channels import stream_page
from livestream.models import FeaturedProduct, LiveStream
from orders import services
from orders.impact import rollups as impact
from orders.impact.models import DailySales, Dimension
from orders.models import Cart, CartItem, OrderLine
from tests.factories import AddressFactory, CountyFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def _live_stream(slug):
    return LiveStream.objects.create(
        title="秭归脐橙直播",
        slug=slug,
        host_name="县长",
        host_title="秭归县县长",
        county=CountyFactory(),
        scheduled_start=timezone.now() - timedelta(hours=1),
        scheduled_end=timezone.now() + timedelta(hours=1),
        state=LiveStream.State.LIVE,
    )


def _cart_from(stream, product, quantity):
    user = UserFactory(username=f"fan-{uuid.uuid4().hex[:8]}")
    cart = Cart.objects.create(user=user)
    services.add_to_cart(cart, product, quantity, bought_from=stream_page(stream))
    return cart


def _buy(cart):
    return services.place_order(
        cart,
        shopper=cart.user,
        address=AddressFactory(user=cart.user),
        payment_method="cod",
        idempotency_key=uuid.uuid4().hex,
    )


def _stream_figures():
    """(orders, stream orders, stream weight) of today's whole-store row."""
    row = DailySales.objects.get(day=timezone.localdate(), dimension=Dimension.ALL, key=0)
    return row.orders, row.stream_orders, row.stream_weight_g


def test_deleting_a_stream_makes_its_lines_and_cart_items_web_sales():
    oranges = ProductFactory(price=Decimal("59.90"), net_weight_g=5000, stock=50)
    gone, kept = _live_stream("gone-live"), _live_stream("kept-live")
    for stream in (gone, kept):
        FeaturedProduct.objects.create(stream=stream, product=oranges)
    _buy(_cart_from(gone, oranges, 2))
    _buy(_cart_from(kept, oranges, 1))
    waiting = _cart_from(gone, oranges, 1).items.get()
    impact.rebuild_day(timezone.localdate())
    assert _stream_figures() == (2, 2, 15_000)
    gone_channel = gone.channel

    gone.delete()
    impact.rebuild_day(timezone.localdate())

    assert _stream_figures() == (2, 1, 5_000)  # only the kept stream's order
    assert not OrderLine.objects.filter(channel=gone_channel).exists()
    assert list(OrderLine.objects.values_list("channel", flat=True).order_by("channel")) == [
        "",
        kept.channel,
    ]
    waiting.refresh_from_db()
    assert waiting.channel == ""
    assert not CartItem.objects.filter(channel=gone_channel).exists()

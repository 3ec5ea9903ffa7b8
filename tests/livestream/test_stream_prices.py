import uuid
from decimal import Decimal

import pytest

from catalog.models import County
from livestream import services as stream_services
from livestream.channels import stream_page
from livestream.models import LiveStream
from orders import services
from orders.models import Cart, OrderLine
from tests.factories import (
    AddressFactory,
    FeaturedProductFactory,
    LiveStreamFactory,
    ProductFactory,
    running_promotion,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(db):
    stream = LiveStreamFactory(
        slug="qianjiang-live", county=County.objects.get(slug="qianjiang-city")
    )
    crayfish = ProductFactory(name="潜江小龙虾", price=Decimal("98.00"), stock=50)
    rice = ProductFactory(name="虾稻米", price=Decimal("39.90"), stock=50)
    FeaturedProductFactory(stream=stream, product=crayfish, stream_price=Decimal("79.00"))
    FeaturedProductFactory(stream=stream, product=rice, position=1)  # no stream price
    return stream, crayfish, rice


def order_line(django_user_model, product, *, stream=None, before_checkout=None):
    user = django_user_model.objects.create_user(f"fan-{uuid.uuid4().hex[:6]}")
    address = AddressFactory(user=user, city="潜江市", district="园林街道", street="1 号")
    cart = Cart.objects.create(user=user)
    services.add_to_cart(cart, product, 2, bought_from=stream_page(stream))
    if before_checkout:
        before_checkout()
    order = services.place_order(
        cart, shopper=user, address=address, payment_method="cod", idempotency_key=uuid.uuid4().hex
    )
    return OrderLine.objects.get(part__order=order)


def test_bought_from_a_live_stream_its_price_applies_and_the_sale_is_the_streams(
    live, django_user_model
):
    stream, crayfish, _rice = live

    line = order_line(django_user_model, crayfish, stream=stream)

    assert (line.unit_price, line.channel, line.discount) == (
        Decimal("79.00"),
        stream.channel,
        Decimal("38.00"),
    )


def test_the_same_product_bought_elsewhere_pays_the_normal_price(live, django_user_model):
    _stream, crayfish, _rice = live

    line = order_line(django_user_model, crayfish)

    assert (line.unit_price, line.channel) == (Decimal("98.00"), "")


def test_a_featured_product_without_a_stream_price_still_counts_for_the_stream(
    live, django_user_model
):
    stream, _crayfish, rice = live

    line = order_line(django_user_model, rice, stream=stream)

    assert (line.unit_price, line.channel) == (Decimal("39.90"), stream.channel)


def test_once_the_stream_ends_the_stream_price_stops(live, django_user_model):
    stream, crayfish, _rice = live

    line = order_line(
        django_user_model,
        crayfish,
        stream=stream,
        before_checkout=lambda: stream_services.end_stream(stream),
    )

    assert (line.unit_price, line.channel) == (Decimal("98.00"), "")


def test_a_stream_that_is_not_live_gives_no_price(live, django_user_model):
    stream, crayfish, _rice = live
    LiveStream.objects.filter(pk=stream.pk).update(state=LiveStream.State.SCHEDULED)
    stream.refresh_from_db()

    line = order_line(django_user_model, crayfish, stream=stream)

    assert (line.unit_price, line.channel) == (Decimal("98.00"), "")


def test_a_better_promotion_wins_over_the_stream_price_but_the_sale_is_the_streams(
    live, django_user_model
):
    stream, crayfish, _rice = live
    promotion = running_promotion(crayfish, kind="special_price", value="69.00")

    line = order_line(django_user_model, crayfish, stream=stream)

    assert (line.unit_price, line.promotion, line.channel) == (
        Decimal("69.00"),
        promotion,
        stream.channel,
    )


def test_signing_in_to_pay_keeps_the_stream_price_and_the_attribution(live, django_user_model):
    stream, crayfish, rice = live
    user = django_user_model.objects.create_user("late-sign-in")
    address = AddressFactory(user=user, city="潜江市", district="园林街道", street="1 号")
    session_cart = Cart.objects.create(session_key="v" * 32)
    services.add_to_cart(session_cart, crayfish, 2, bought_from=stream_page(stream))
    user_cart = Cart.objects.create(user=user)
    services.add_to_cart(user_cart, rice, 1, bought_from=stream_page(stream))  # earlier
    services.add_to_cart(user_cart, crayfish, 1)  # the same product from the catalog

    services.merge_carts(session_cart, user_cart)
    order = services.place_order(
        user_cart,
        shopper=user,
        address=address,
        payment_method="cod",
        idempotency_key=uuid.uuid4().hex,
    )

    lines = {line.product_id: line for line in OrderLine.objects.filter(part__order=order)}
    assert (
        lines[crayfish.pk].quantity,
        lines[crayfish.pk].unit_price,
        lines[crayfish.pk].channel,
    ) == (2, Decimal("79.00"), stream.channel)
    assert lines[rice.pk].channel == stream.channel

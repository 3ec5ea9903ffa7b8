"""Promotions: one price everywhere, exact boundaries, the best discount wins, caps and
limits counted at checkout."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal
from functools import partial

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation

from catalog.models import Promotion
from catalog.promotions import checkout as promotions
from catalog.promotions.models import unit_discount
from catalog.promotions.pricing import quote
from orders import services
from orders.models import CartItem, Order, OrderLine
from tests.factories import (
    AddressFactory,
    CartFactory,
    CartItemFactory,
    ProductFactory,
    UserFactory,
    running_promotion,
)
from tests.support.races import all_at_once

pytestmark = pytest.mark.django_db
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
START = timezone.make_aware(timezone.datetime(2026, 5, 1, 10, 0))
END = timezone.make_aware(timezone.datetime(2026, 5, 1, 12, 0))


@pytest.fixture
def oranges(db):
    return ProductFactory(name="秭归脐橙", price=Decimal("59.90"), stock=100)


@pytest.fixture
def may_day_sale(oranges):
    return running_promotion(
        oranges, kind="percent_off", value="20", name="五一特惠", starts_at=START, ends_at=END
    )


def buyer(django_user_model, *products, quantity=1):
    user = UserFactory(username=f"buyer-{uuid.uuid4().hex[:8]}")
    address = AddressFactory(user=user)
    cart = CartFactory(user=user)
    for product in products:
        CartItemFactory(cart=cart, product=product, quantity=quantity)
    return user, address, cart


def checkout(user, address, cart, **kwargs):
    return services.place_order(
        cart,
        shopper=user,
        address=address,
        payment_method="cod",
        idempotency_key=uuid.uuid4().hex,
        **kwargs,
    )


@pytest.mark.parametrize(
    ("moment", "price"),
    [
        (START - timedelta(microseconds=1), Decimal("59.90")),
        (START, Decimal("47.92")),
        (END - timedelta(seconds=1), Decimal("47.92")),
        (END, Decimal("59.90")),
    ],
)
def test_the_boundaries_are_exact(oranges, may_day_sale, moment, price):
    assert quote(oranges, moment).amount == price


def test_a_checkout_one_second_after_the_end_pays_the_full_price(
    oranges, may_day_sale, django_user_model
):
    user, address, cart = buyer(django_user_model, oranges, quantity=2)

    with time_machine.travel(END + timedelta(seconds=1), tick=False):
        order = checkout(user, address, cart)

    line = OrderLine.objects.get(part__order=order)
    assert (line.unit_price, line.promotion, line.discount) == (Decimal("59.90"), None, 0)
    assert order.total == Decimal("119.80")


def test_an_order_line_keeps_the_promotion_and_the_discount(
    client, oranges, may_day_sale, django_user_model
):
    user, address, cart = buyer(django_user_model, oranges, quantity=2)

    with time_machine.travel(START + timedelta(minutes=5), tick=False):
        order = checkout(user, address, cart)

    line = OrderLine.objects.get(part__order=order)
    assert (line.unit_price, line.promotion, line.discount) == (
        Decimal("47.92"),
        may_day_sale,
        Decimal("23.96"),
    )
    client.force_login(user)
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert "五一特惠 −¥23.96" in page  # the order says what it saved


def test_a_cart_priced_during_the_promotion_is_repriced_at_checkout(
    oranges, may_day_sale, django_user_model
):
    user, address, cart = buyer(django_user_model, oranges)
    shown = Decimal("47.92")  # what the checkout page said at 11:59

    with time_machine.travel(END + timedelta(seconds=1), tick=False):
        with pytest.raises(services.CheckoutProblem) as changed:
            checkout(user, address, cart, expected_total=shown)
        assert changed.value.code == "prices_changed"
        assert Order.objects.count() == 0 and cart.items.count() == 1
        order = checkout(user, address, cart, expected_total=Decimal("59.90"))

    assert order.total == Decimal("59.90")


def test_the_best_single_discount_wins_and_discounts_never_stack(oranges, django_user_model):
    running_promotion(oranges, kind="percent_off", value="10")  # -5.99
    best = running_promotion(oranges, kind="amount_off", value="8")  # -8.00
    running_promotion(oranges, kind="special_price", value="55")  # -4.90

    price = quote(oranges)

    assert (price.amount, price.promotion.pk) == (Decimal("51.90"), best.pk)


@pytest.mark.parametrize(
    ("kind", "value", "discount"),
    [
        ("percent_off", "15", Decimal("8.99")),  # 59.90 × 15 % = 8.985, rounded half up
        ("amount_off", "100", Decimal("0")),  # would give it away: does not apply
        ("amount_off", "59.89", Decimal("59.89")),
        ("special_price", "69", Decimal("0")),  # a "special" price above it is ignored
        ("special_price", "39.90", Decimal("20.00")),
    ],
)
def test_each_kind_of_discount(kind, value, discount):
    assert unit_discount(kind, Decimal(value), Decimal("59.90")) == discount


def test_a_promotion_on_a_category_vendor_or_county_reaches_their_products(db):
    tea = ProductFactory(price=Decimal("100"))
    other = ProductFactory(price=Decimal("100"))
    for scope, value in (
        ("categories", tea.category),
        ("vendors", tea.vendor),
        ("counties", tea.origin_county),
    ):
        promotion = running_promotion(kind="amount_off", value="10")
        getattr(promotion, scope).add(value)

        assert quote(tea).amount == Decimal("90.00"), scope
        assert quote(other).amount == Decimal("100"), scope
        promotion.delete()


def test_a_flash_sale_prices_as_many_units_as_it_has_left(oranges, django_user_model):
    flash = running_promotion(
        oranges, kind="special_price", value="29.90", units_cap=3, name="秒杀"
    )
    first = buyer(django_user_model, oranges, quantity=2)
    second = buyer(django_user_model, oranges, quantity=2)  # 1 left: it, and 1 at the normal price
    third = buyer(django_user_model, oranges, quantity=1)  # none left

    prices = [
        list(
            OrderLine.objects.filter(part__order=checkout(*b))
            .order_by("pk")
            .values_list("quantity", "unit_price")
        )
        for b in (first, second, third)
    ]

    assert prices == [
        [(2, Decimal("29.90"))],
        [(1, Decimal("29.90")), (1, Decimal("59.90"))],
        [(1, Decimal("59.90"))],
    ]
    flash.refresh_from_db()
    assert flash.units_sold == 3
    assert quote(oranges).amount == Decimal("59.90")  # sold out: the pages say so at once


def test_a_flash_sale_taken_meanwhile_shows_the_new_price_before_any_order(
    oranges, django_user_model
):
    flash = running_promotion(
        oranges, kind="special_price", value="29.90", units_cap=2, name="秒杀"
    )
    late = buyer(django_user_model, oranges, quantity=2)
    shown = Decimal("59.80")  # the late buyer's page was priced while 2 were left...
    assert quote(oranges).amount == Decimal("29.90")  # (the schedule is cached so)
    Promotion.objects.filter(pk=flash.pk).update(units_sold=1)  # ...then someone took one

    with translation.override("en"):
        with pytest.raises(services.CheckoutProblem) as changed:
            checkout(*late, expected_total=shown)
        told = changed.value.messages

    assert told == [
        f"The flash sale “秒杀” has only 1 left, so “{oranges.name_en}” now comes "
        "to ¥89.80. Here are the prices now; place the order again to accept them."
    ]
    assert Order.objects.count() == 0
    order = checkout(*late, expected_total=Decimal("89.80"))  # 1 left at the sale's price
    assert list(
        OrderLine.objects.filter(part__order=order)
        .order_by("pk")
        .values_list("quantity", "unit_price")
    ) == [(1, Decimal("29.90")), (1, Decimal("59.90"))]


def test_a_flash_sale_refuses_when_a_concurrent_buyer_took_the_last_units(
    oranges, django_user_model, monkeypatch
):
    flash = running_promotion(
        oranges, kind="special_price", value="29.90", units_cap=2, name="秒杀"
    )
    late = buyer(django_user_model, oranges, quantity=2)
    read_units_left = promotions._units_left

    def then_someone_takes_one(schedule):
        left = read_units_left(schedule)  # 2 left when this checkout reads...
        Promotion.objects.filter(pk=flash.pk).update(units_sold=1)  # ...one goes at once
        return left

    monkeypatch.setattr(promotions, "_units_left", then_someone_takes_one)
    with translation.override("en"):
        with pytest.raises(services.CheckoutProblem) as over:
            checkout(*late)
        told = over.value.messages
    monkeypatch.undo()
    # that update rolled back with the refused checkout; the other buyer's order stands
    Promotion.objects.filter(pk=flash.pk).update(units_sold=1)

    assert told == [
        f"The flash sale “秒杀” has just sold out, so “{oranges.name_en}” is back at its normal price. "
        "Check your cart and place the order again."
    ]
    assert Order.objects.count() == 0
    assert list(
        OrderLine.objects.filter(part__order=checkout(*late))
        .order_by("pk")
        .values_list("quantity", "unit_price")
    ) == [(1, Decimal("29.90")), (1, Decimal("59.90"))]


def test_a_shopper_limit_spans_lines_and_orders_and_cancelling_gives_it_back(
    oranges, django_user_model
):
    navel = ProductFactory(name="秭归夏橙", price=Decimal("39.90"), stock=100)
    limited = running_promotion(
        oranges, navel, kind="percent_off", value="30", per_shopper_limit=2, name="每人限购两箱"
    )
    user, address, cart = buyer(django_user_model, oranges, navel, quantity=2)

    first = checkout(user, address, cart)  # the first line uses the whole allowance
    lines = {line.product_name: line for line in OrderLine.objects.filter(part__order=first)}
    CartItem.objects.create(cart=cart, product=oranges, quantity=1)
    second = checkout(user, address, cart)

    assert (lines["秭归脐橙"].promotion, lines["秭归脐橙"].unit_price) == (
        limited,
        Decimal("41.93"),
    )
    assert (lines["秭归夏橙"].promotion, lines["秭归夏橙"].unit_price) == (None, Decimal("39.90"))
    assert OrderLine.objects.get(part__order=second).unit_price == Decimal("59.90")
    services.cancel_order(first, by=user)
    CartItem.objects.create(cart=cart, product=oranges, quantity=2)
    assert OrderLine.objects.get(part__order=checkout(user, address, cart)).promotion == limited


def test_the_cart_shows_the_price_the_checkout_will_charge(client, oranges, django_user_model):
    running_promotion(oranges, kind="percent_off", value="30", per_shopper_limit=1)
    user, _address, _cart = buyer(django_user_model, oranges, quantity=2)
    client.force_login(user)

    html = client.get("/cart/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "¥101.83" in html  # 1 box within the limit of 1, the other at the normal price
    assert "1 × ¥41.93 limited-offer price · 1 × ¥59.90" in re.sub(r"<[^>]+>", "", html)


def test_pages_show_the_promotion_and_a_cached_page_changes_at_the_start(
    client, oranges, may_day_sale
):
    url = oranges.get_absolute_url()
    with time_machine.travel(START - timedelta(minutes=1), tick=False):
        before = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    with time_machine.travel(START + timedelta(seconds=1), tick=False):
        during = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    with time_machine.travel(END, tick=False):
        after = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    # Before: today's price, and the sale announced (its running state waits, hidden,
    # for the countdown to reach zero).
    shown = before[before.index('<div data-phase="scheduled">') :]
    shown = shown[: shown.index("</div>")]
    assert "<strong>¥59.90</strong>" in shown and "<del" not in shown
    assert "From 1 May 10:00: ¥47.92" in shown
    assert '<strong class="price-promo">¥47.92</strong>' in during
    assert "¥59.90</del>" in during and "五一特惠" in during
    assert "¥47.92" not in after


@pytest.mark.skipif(not ON_POSTGRES, reason="real parallel buyers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_thirty_parallel_buyers_never_get_more_discounted_units_than_the_cap(
    django_user_model,
):
    product = ProductFactory(price=Decimal("59.90"), stock=1000, name="秒杀脐橙")
    flash = running_promotion(product, kind="special_price", value="9.90", units_cap=10)
    buyers = [buyer(django_user_model, product) for _ in range(30)]
    cache.clear()

    def buy(user, address, cart):
        try:
            # each was shown the flash price, as the checkout page does
            return checkout(user, address, cart, expected_total=Decimal("9.90"))
        except services.CheckoutProblem as problem:
            return problem.messages

    results = all_at_once([partial(buy, *b) for b in buyers], language="en")

    discounted = OrderLine.objects.filter(promotion=flash)
    flash.refresh_from_db()
    assert discounted.count() == flash.units_sold == 10
    assert all(line.unit_price == Decimal("9.90") for line in discounted)
    refused = [r for r in results if not isinstance(r, Order)]
    assert len(refused) == 20  # none pays the full price without seeing it first
    assert all("has just sold out" in r[0] or r[0].startswith("Prices changed") for r in refused)


def test_the_cart_and_checkout_give_a_flash_sales_last_units_to_the_same_lines(
    client, django_user_model
):
    navel, summer = (
        ProductFactory(name=n, price=Decimal("50.00"), stock=10) for n in ("秭归脐橙", "秭归夏橙")
    )
    flash = running_promotion(navel, summer, kind="special_price", value="30.00", units_cap=3)
    user, address, cart = buyer(django_user_model)
    CartItem.objects.create(cart=cart, product=summer, quantity=2)  # added first
    CartItem.objects.create(cart=cart, product=navel, quantity=2)
    client.force_login(user)

    page = client.get(reverse("orders:checkout"), HTTP_ACCEPT_LANGUAGE="en")
    shown = page.context["cart"].total
    order = checkout(user, address, None, expected_total=shown)

    assert shown == Decimal("140.00")  # the first line at the sale's price, the second 1 of 2
    prices = list(
        OrderLine.objects.filter(part__order=order)
        .order_by("pk")
        .values_list("product_name", "quantity", "unit_price")
    )
    assert prices == [
        ("秭归夏橙", 2, Decimal("30.00")),
        ("秭归脐橙", 1, Decimal("30.00")),
        ("秭归脐橙", 1, Decimal("50.00")),
    ]
    flash.refresh_from_db()
    assert flash.units_sold == 3

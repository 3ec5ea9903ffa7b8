"""A per-shopper limit or a flash sale's last units price part of a line: the units within
get the promotion's price, the rest the next-best price, shown as portions in the cart,
at checkout and on the order, each stored as its own order line."""

import re
import uuid
from decimal import Decimal
from functools import partial

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from catalog.models import Promotion, VendorMember
from catalog.promotions import checkout as promotions
from catalog.promotions.pricing import quote
from notifications.delivery import deliver_pending
from orders import services
from orders.models import Cart, CartItem, Order, OrderLine
from tests.factories import AddressFactory, ProductFactory, running_promotion
from tests.support.races import all_at_once

pytestmark = pytest.mark.django_db
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
CART, CHECKOUT = reverse("orders:cart"), reverse("orders:checkout")


@pytest.fixture
def eggs(db):
    return ProductFactory(
        name="土鸡蛋", name_en="Free-range eggs", price=Decimal("51.85"), stock=100
    )


@pytest.fixture
def limited(eggs):
    """¥29.90 for 2 per shopper; a 20% sale (¥41.48) for everyone besides."""
    running_promotion(eggs, kind="percent_off", value="20", name="五一特惠")
    return running_promotion(
        eggs, kind="special_price", value="29.90", per_shopper_limit=2, name="每人限购两盒"
    )


@pytest.fixture
def five_one(limited):
    return Promotion.objects.get(name="五一特惠")


def shopper(django_user_model, client=None):
    user = django_user_model.objects.create_user(
        f"buyer-{uuid.uuid4().hex[:8]}", email="buyer@example.cn"
    )
    AddressFactory(user=user, is_default=True)
    Cart.objects.create(user=user)
    if client is not None:
        client.force_login(user)
    return user


def put(user, product, quantity):
    CartItem.objects.update_or_create(
        cart=user.cart, product=product, defaults={"quantity": quantity}
    )


def checkout(user, **kwargs):
    return services.place_order(
        None,
        shopper=user,
        address=user.addresses.get(),
        payment_method="cod",
        idempotency_key=uuid.uuid4().hex,
        **kwargs,
    )


def lines_of(order):
    return list(
        OrderLine.objects.filter(part__order=order)
        .order_by("pk")
        .values_list("quantity", "unit_price", "promotion__name", "discount", "line_total")
    )


def text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_cart_prices_the_units_within_the_limit_at_the_offer_and_the_rest_at_the_next_best(
    client, django_user_model, limited
):
    user = shopper(django_user_model, client)
    put(user, limited.products.get(), 3)

    chinese = text(client.get(CART).content.decode())
    english = text(client.get(CART, **EN).content.decode())

    assert "2 × ¥29.90 限购价 · 1 × ¥41.48" in chinese
    assert "限购2件，超出部分按¥41.48计" in chinese
    assert "2 × ¥29.90 limited-offer price · 1 × ¥41.48" in english
    assert "Limit 2 per shopper; the rest at ¥41.48" in english
    assert "¥101.28" in english  # 2 × 29.90 + 41.48, not 3 × 41.48 = 124.44
    assert "¥124.44" not in english


def test_checkout_shows_the_portions_and_the_order_keeps_a_line_for_each(
    client, django_user_model, eggs, limited, five_one
):
    user = shopper(django_user_model, client)
    put(user, eggs, 3)

    page = client.get(CHECKOUT, **EN)
    shown = page.context["cart"].total
    html = text(page.content.decode())
    order = checkout(user, expected_total=shown)

    assert shown == Decimal("101.28")
    assert "Free-range eggs: 2 × ¥29.90 limited-offer price · 1 × ¥41.48 = ¥101.28" in html
    assert "Limit 2 per shopper; the rest at ¥41.48" in html
    assert lines_of(order) == [
        (2, Decimal("29.90"), "每人限购两盒", Decimal("43.90"), Decimal("59.80")),
        (1, Decimal("41.48"), "五一特惠", Decimal("10.37"), Decimal("41.48")),
    ]
    part = order.parts.get()
    assert order.total == part.subtotal == Decimal("101.28")
    assert order.weight_g == part.weight_g == 3 * eggs.net_weight_g
    eggs.refresh_from_db()
    assert eggs.stock == 97  # taken once for the product, not per portion

    detail = reverse("orders:detail", args=[order.number])
    chinese = text(client.get(detail).content.decode())
    english = text(client.get(detail, **EN).content.decode())
    assert f"土鸡蛋 · {eggs.pack_size} · 2 × ¥29.90 限购价 · 1 × ¥41.48 = ¥101.28" in chinese
    assert "2 × ¥29.90 limited-offer price · 1 × ¥41.48 = ¥101.28" in english


def test_a_second_order_gets_what_is_left_of_the_allowance_and_is_told(
    client, django_user_model, eggs, limited
):
    user = shopper(django_user_model, client)
    put(user, eggs, 1)
    first = checkout(user)
    put(user, eggs, 3)

    cart = text(client.get(CART, **EN).content.decode())
    second = checkout(user)
    put(user, eggs, 2)
    used_up = text(client.get(CART, **EN).content.decode())
    third = checkout(user)

    assert "1 × ¥29.90 limited-offer price · 2 × ¥41.48" in cart
    assert "Limit 2 per shopper, 1 left for you; the rest at ¥41.48" in cart
    assert [(q, p) for q, p, *_ in lines_of(second)] == [
        (1, Decimal("29.90")),
        (2, Decimal("41.48")),
    ]
    assert "Limit 2 per shopper, already used up; this is at ¥41.48" in used_up
    assert [(q, p) for q, p, *_ in lines_of(third)] == [(2, Decimal("41.48"))]

    services.cancel_order(first, by=user)  # its unit of the allowance comes back
    put(user, eggs, 2)
    assert [(q, p) for q, p, *_ in lines_of(checkout(user))] == [
        (1, Decimal("29.90")),
        (1, Decimal("41.48")),
    ]
    eggs.refresh_from_db()
    assert eggs.stock == 100 - 3 - 2 - 2


def test_a_flash_sales_last_units_are_split_and_cancelling_gives_them_back(
    client, django_user_model, eggs
):
    flash = running_promotion(eggs, kind="special_price", value="19.90", units_cap=5, name="秒杀")
    Promotion.objects.filter(pk=flash.pk).update(units_sold=3)  # 2 left
    user = shopper(django_user_model, client)
    put(user, eggs, 3)

    chinese = text(client.get(CART).content.decode())
    english = text(client.get(CART, **EN).content.decode())
    order = checkout(user, expected_total=Decimal("91.65"))

    assert "2 × ¥19.90 秒杀价 · 1 × ¥51.85" in chinese
    assert "秒杀价仅剩2件，超出部分按¥51.85计" in chinese
    assert "2 × ¥19.90 flash-sale price · 1 × ¥51.85" in english
    assert "Only 2 left at the flash-sale price; the rest at ¥51.85" in english
    assert lines_of(order) == [
        (2, Decimal("19.90"), "秒杀", Decimal("63.90"), Decimal("39.80")),
        (1, Decimal("51.85"), None, Decimal("0.00"), Decimal("51.85")),
    ]
    flash.refresh_from_db()
    eggs.refresh_from_db()
    assert (flash.units_sold, eggs.stock) == (5, 97)
    assert quote(eggs).amount == Decimal("51.85")  # sold out: the pages say so at once

    services.cancel_order(order, by=user)
    flash.refresh_from_db()
    eggs.refresh_from_db()
    assert (flash.units_sold, eggs.stock) == (3, 100)


def test_a_split_checkout_is_refused_when_another_buyer_took_the_last_units_meanwhile(
    django_user_model, eggs, monkeypatch
):
    flash = running_promotion(eggs, kind="special_price", value="19.90", units_cap=2, name="秒杀")
    user = shopper(django_user_model)
    put(user, eggs, 3)
    read_units_left = promotions._units_left

    def then_someone_takes_one(schedule):
        left = read_units_left(schedule)  # 2 left when this checkout reads...
        Promotion.objects.filter(pk=flash.pk).update(units_sold=1)  # ...one goes at once
        return left

    monkeypatch.setattr(promotions, "_units_left", then_someone_takes_one)
    with translation.override("en"), pytest.raises(services.CheckoutProblem) as over:
        checkout(user)
    monkeypatch.undo()

    assert "has just sold out" in over.value.messages[0]
    assert Order.objects.count() == 0
    eggs.refresh_from_db()
    assert eggs.stock == 100 and user.cart.items.get().quantity == 3
    Promotion.objects.filter(pk=flash.pk).update(units_sold=1)  # the other buyer's unit
    assert [(q, p) for q, p, *_ in lines_of(checkout(user))] == [
        (1, Decimal("19.90")),
        (2, Decimal("51.85")),
    ]
    flash.refresh_from_db()
    assert flash.units_sold == 2


@pytest.mark.skipif(not ON_POSTGRES, reason="real parallel buyers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_parallel_buyers_of_three_never_get_more_flash_units_than_the_cap(django_user_model):
    product = ProductFactory(price=Decimal("50.00"), stock=1000, name="秒杀脐橙")
    flash = running_promotion(product, kind="special_price", value="10.00", units_cap=10)
    buyers = [shopper(django_user_model) for _ in range(8)]
    for user in buyers:
        put(user, product, 3)
    cache.clear()

    def buy(user):
        try:
            checkout(user)
        except services.CheckoutProblem:
            pass

    all_at_once([partial(buy, user) for user in buyers])

    flash.refresh_from_db()
    discounted = OrderLine.objects.filter(promotion=flash)
    assert sum(line.quantity for line in discounted) == flash.units_sold <= 10
    for order in Order.objects.all():
        assert sum(q for q, *_ in lines_of(order)) == 3
        assert order.total == sum(line_total for *_, line_total in lines_of(order))
    product.refresh_from_db()
    assert product.stock == 1000 - 3 * Order.objects.count()


def test_the_emails_and_the_vendors_pages_list_the_portions(
    client, django_user_model, eggs, limited, django_capture_on_commit_callbacks
):
    owner = django_user_model.objects.create_user("owner", email="shop@example.cn")
    VendorMember.objects.create(vendor=eggs.vendor, user=owner, role=VendorMember.Role.OWNER)
    user = shopper(django_user_model)
    put(user, eggs, 3)
    with django_capture_on_commit_callbacks(execute=True):
        order = checkout(user)
    deliver_pending()
    client.force_login(owner)
    part = order.parts.get()

    bodies = {m.to[0]: m.body for m in mail.outbox}
    listing = text(client.get(reverse("vendor:orders")).content.decode())
    page = text(client.get(reverse("vendor:order", args=[part.pk])).content.decode())

    assert "土鸡蛋 × 3 (2 × ¥29.90 限购价 · 1 × ¥41.48)" in bodies["buyer@example.cn"]
    assert "土鸡蛋 × 3 (2 × ¥29.90 限购价 · 1 × ¥41.48)" in bodies["shop@example.cn"]
    assert "土鸡蛋 × 3" in listing
    assert "2 × ¥29.90 限购价 · 1 × ¥41.48 = ¥101.28" in page


def test_staff_see_each_portion_with_its_promotion(staff_client, django_user_model, eggs, limited):
    user = shopper(django_user_model)
    put(user, eggs, 3)
    order = checkout(user)

    html = staff_client.get(
        reverse("admin:orders_orderline_changelist"), {"q": order.number}, **EN
    ).content.decode()

    assert "每人限购两盒" in html and "五一特惠" in html
    assert "43.90" in html and "10.37" in html


@pytest.mark.parametrize("items", [1, 4])
def test_split_prices_keep_the_cart_and_checkout_at_a_fixed_number_of_queries(
    session_reads, client, django_user_model, django_assert_num_queries, items
):
    user = shopper(django_user_model, client)
    products = [ProductFactory(price=Decimal("50.00"), stock=50) for _ in range(items)]
    for product in products:
        put(user, product, 3)
    running_promotion(*products, kind="special_price", value="20.00", per_shopper_limit=2)
    running_promotion(*products, kind="special_price", value="30.00", units_cap=items)

    # as without promotions (see test_cart_pages, plus the user, and test_checkout_pages),
    # plus the
    # shopper's allowances and the flash sales' units left: one query each; the cart also
    # reads the province it quotes shipping to (the default address) and the freight
    # templates (two queries: no shop here has one, so no rates to read)
    with django_assert_num_queries(11 + session_reads):
        cart = client.get(CART, **EN)
    # the schedule is cached now; the address book once, the freight templates to the
    # address (one query: their rates with them; the products' own links came with the
    # cart's items)
    with django_assert_num_queries(9 + session_reads):
        page = client.get(CHECKOUT, **EN)

    # the first item: 2 at the limited price (the allowance is for the promotion, all
    # products together), 1 from the flash sale, whose units go in cart order
    assert cart.context["cart"].total == page.context["cart"].total
    first = cart.context["cart"].groups[0].items[0]
    assert [(p.quantity, p.unit_price) for p in first.portions] == [
        (2, Decimal("20.00")),
        (1, Decimal("30.00")),
    ]


def test_a_visitors_cart_already_shows_the_limit(client, eggs, limited):
    client.post(reverse("orders:cart_add", args=[eggs.pk]), {"quantity": 3})

    english = text(client.get(CART, **EN).content.decode())

    assert "2 × ¥29.90 limited-offer price · 1 × ¥41.48" in english
    assert "Limit 2 per shopper; the rest at ¥41.48" in english


@pytest.mark.parametrize(
    ("language", "heading", "says"),
    [
        (
            "en",
            "The prices changed before your order was placed.",
            "The flash sale “秒杀” has sold out, so “Free-range eggs” now comes to ¥155.55.",
        ),
        ("zh-hans", "下单前价格有变", "秒杀“秒杀”已售罄，“土鸡蛋”现在共计¥155.55。"),
    ],
)
def test_a_flash_sale_sold_out_during_checkout_says_so_with_the_new_price(
    client, django_user_model, eggs, language, heading, says
):
    flash = running_promotion(eggs, kind="special_price", value="19.90", units_cap=5, name="秒杀")
    user = shopper(django_user_model, client)
    put(user, eggs, 3)
    html = client.get(CHECKOUT).content.decode()
    form = {
        "address": user.addresses.get().pk,
        "payment_method": "cod",
        "idempotency_key": re.search(r'name="idempotency_key" value="(\w+)"', html)[1],
        "expected_total": re.search(r'name="expected_total" value="([\d.]+)"', html)[1],
    }
    Promotion.objects.filter(pk=flash.pk).update(units_sold=5)  # others took the last units

    page = text(client.post(CHECKOUT, form, HTTP_ACCEPT_LANGUAGE=language).content.decode())

    assert form["expected_total"] == "59.70"
    assert heading in page and says in page
    for wrong in (
        "cannot be bought",
        "a promotion started or ended",
        "无法购买",
        "有促销开始或结束",
    ):
        assert wrong not in page
    assert not Order.objects.exists() and user.cart.items.get().quantity == 3


def test_a_limited_flash_sale_cut_by_its_units_left_is_called_a_flash_sale_price(
    client, django_user_model, eggs
):
    flash = running_promotion(
        eggs, kind="special_price", value="19.90", units_cap=5, per_shopper_limit=4, name="限购秒杀"
    )
    Promotion.objects.filter(pk=flash.pk).update(units_sold=3)  # 2 left, 4 allowed
    user = shopper(django_user_model, client)
    put(user, eggs, 3)

    chinese = text(client.get(CART).content.decode())
    english = text(client.get(CART, **EN).content.decode())
    order = checkout(user, expected_total=Decimal("91.65"))
    detail = text(client.get(reverse("orders:detail", args=[order.number]), **EN).content.decode())

    assert "2 × ¥19.90 秒杀价 · 1 × ¥51.85" in chinese and "限购价" not in chinese
    assert "秒杀价仅剩2件，超出部分按¥51.85计" in chinese
    assert "2 × ¥19.90 flash-sale price · 1 × ¥51.85" in english
    assert "2 × ¥19.90 flash-sale price · 1 × ¥51.85 = ¥91.65" in detail
    assert "limited-offer price" not in detail


def test_the_orders_badge_gives_a_split_rows_whole_discount_and_names_each_promotion(
    client, django_user_model, eggs, limited, five_one
):
    user = shopper(django_user_model, client)
    put(user, eggs, 3)
    order = checkout(user)
    detail = reverse("orders:detail", args=[order.number])

    chinese = text(client.get(detail).content.decode())
    english = text(client.get(detail, **EN).content.decode())

    # 2 × (51.85 − 29.90) + (51.85 − 41.48): ¥54.27 off the row, by both promotions.
    assert "每人限购两盒 + 五一特惠 −¥54.27" in chinese
    assert "−¥43.90" not in chinese and "−¥54.27" in english


def test_the_orders_badge_names_only_the_promotion_that_took_money_off(
    client, django_user_model, eggs
):
    running_promotion(eggs, kind="special_price", value="19.90", units_cap=5, name="秒杀")
    Promotion.objects.filter(name="秒杀").update(units_sold=3)
    user = shopper(django_user_model, client)
    put(user, eggs, 3)
    order = checkout(user)

    html = text(client.get(reverse("orders:detail", args=[order.number])).content.decode())

    assert "秒杀 −¥63.90" in html and "+" not in html.split("秒杀 −¥63.90")[0][-20:]

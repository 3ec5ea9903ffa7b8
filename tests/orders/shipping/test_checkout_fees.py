"""The checkout charges each shop's part its shipping to the delivery address's province
(its freight templates), stores the fee on the part and in the order's total, refuses
items not delivered there and fees the page did not show, with nothing changed."""

import uuid
from decimal import Decimal

import pytest

from catalog.models import Product
from catalog.promotions.models import PromotionAllowance
from orders import selectors, services
from orders.models import Cart, CartItem, Order, OrderLine
from orders.services.checkout_shipping import goods_by_vendor
from orders.shipping.provinces import Group
from tests.factories import AddressFactory, ProductFactory, VendorFactory, running_promotion
from tests.orders.shipping.checkout_helpers import cold_chain, set_first_fee, template

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper(django_user_model):
    user = django_user_model.objects.create_user("buyer", password="pw")
    Cart.objects.create(user=user)
    return user


@pytest.fixture
def guangzhou(shopper):
    return AddressFactory(
        user=shopper, province="广东省", city="广州市", district="天河区", is_default=True
    )


def put(shopper, *items):
    for product, quantity in items:
        CartItem.objects.create(cart=shopper.cart, product=product, quantity=quantity)


def place(shopper, address, **kwargs):
    return services.place_order(
        None,
        shopper=shopper,
        address=address,
        payment_method=Order.PaymentMethod.CASH_ON_DELIVERY,
        idempotency_key=kwargs.pop("key", None) or uuid.uuid4().hex,
        **kwargs,
    )


def shown(shopper, address):
    """(expected_total, expected_shipping) as the checkout page shows them."""
    contents = selectors.cart_contents(shopper.cart, province=address.province)
    return {"expected_total": contents.grand_total, "expected_shipping": contents.shipping_fee}


def test_each_part_stores_its_fee_and_the_order_total_includes_them(shopper, guangzhou):
    zigui, qianjiang, farm = VendorFactory(), VendorFactory(), VendorFactory()
    template(zigui)  # ¥8 the first kg, ¥2 each further kg, free from ¥99
    template(qianjiang)
    oranges = ProductFactory(vendor=zigui, price=Decimal("30.00"), net_weight_g=3000)
    crayfish = ProductFactory(vendor=qianjiang, price=Decimal("98.00"), net_weight_g=2000)
    cold_chain(crayfish, fee="25.00")
    eggs = ProductFactory(vendor=farm, price=Decimal("20.00"), net_weight_g=1500)  # no template
    put(shopper, (oranges, 2), (crayfish, 1), (eggs, 1))

    order = place(shopper, guangzhou, **shown(shopper, guangzhou))

    parts = {part.vendor_id: part for part in order.parts.all()}
    # 6 kg of oranges: ¥8 + 5 × ¥2; the crayfish by cold chain; the farm ships free
    assert (parts[zigui.pk].shipping_fee, parts[zigui.pk].cold_chain) == (Decimal("18.00"), False)
    assert (parts[qianjiang.pk].shipping_fee, parts[qianjiang.pk].cold_chain) == (
        Decimal("25.00"),
        True,
    )
    assert (parts[farm.pk].shipping_fee, parts[farm.pk].cold_chain) == (Decimal("0"), False)
    assert order.shipping_fee == Decimal("43.00")
    assert order.total == Decimal("60.00") + Decimal("98.00") + Decimal("20.00") + Decimal("43")
    assert order.total_due == order.total


def test_a_part_over_the_free_shipping_threshold_ships_free(shopper, guangzhou):
    zigui = VendorFactory()
    template(zigui)
    oranges = ProductFactory(vendor=zigui, price=Decimal("50.00"), net_weight_g=5000)
    put(shopper, (oranges, 2))  # ¥100 ≥ ¥99

    order = place(shopper, guangzhou)

    assert (order.shipping_fee, order.total) == (Decimal("0"), Decimal("100.00"))


def test_a_product_split_into_price_portions_is_one_item_of_its_parcel(shopper, guangzhou):
    farm = VendorFactory()
    # by item: ¥5 the first, ¥1 each further one
    by_item = template(farm, **{Group.MAINLAND: (1, "5.00", "1.00", None)})
    by_item.basis = by_item.Basis.ITEM
    by_item.save()
    eggs = ProductFactory(vendor=farm, price=Decimal("51.85"), stock=100, net_weight_g=1000)
    running_promotion(eggs, kind="special_price", value="29.90", per_shopper_limit=2)
    put(shopper, (eggs, 4))

    order = place(shopper, guangzhou)

    assert OrderLine.objects.filter(part__order=order).count() == 2  # 2 at ¥29.90, 2 at list
    assert order.shipping_fee == Decimal("8.00")  # 4 items: ¥5 + 3 × ¥1
    lines = list(OrderLine.objects.filter(part__order=order).select_related("product"))
    assert [(g.product, g.units) for g in goods_by_vendor(lines)[farm.pk]] == [(eggs, 4)]


def test_items_not_delivered_to_the_province_are_all_named_and_nothing_changes(shopper):
    lhasa = AddressFactory(user=shopper, province="西藏自治区", city="拉萨市", district="城关区")
    qianjiang, zigui = VendorFactory(), VendorFactory()
    template(qianjiang, not_served=["西藏自治区"])
    template(zigui)
    crayfish = ProductFactory(
        vendor=qianjiang,
        name="潜江小龙虾",
        name_en="Qianjiang crayfish",
        stock=5,
        net_weight_g=2000,
    )
    eggs = ProductFactory(vendor=zigui, name="土鸡蛋", price=Decimal("51.85"), stock=5)
    chilled_eggs = ProductFactory(vendor=zigui, name="鲜鸡蛋", name_en="Fresh eggs", stock=5)
    cold_chain(chilled_eggs)  # the cold chain does not reach remote regions
    promotion = running_promotion(eggs, kind="special_price", value="29.90", per_shopper_limit=2)
    put(shopper, (crayfish, 1), (eggs, 2), (chilled_eggs, 1))

    with pytest.raises(services.CheckoutProblem) as refused:
        place(shopper, lhasa)

    assert {error.code for error in refused.value.error_list} == {"not_delivered"}
    assert refused.value.messages == [
        "“Qianjiang crayfish” is not delivered to Tibet. Choose another address, or remove it from "
        "your cart.",
        "“Fresh eggs” is not delivered to Tibet. Choose another address, or remove it from your "
        "cart.",
    ]
    assert not Order.objects.exists()
    assert shopper.cart.items.count() == 3
    assert list(Product.objects.order_by("pk").values_list("stock", flat=True)) == [5, 5, 5]
    assert not PromotionAllowance.objects.filter(promotion=promotion).exists()


def test_fees_edited_after_the_page_was_shown_are_refused_then_accepted(shopper, guangzhou):
    zigui = VendorFactory()
    standard = template(zigui)
    oranges = ProductFactory(vendor=zigui, price=Decimal("30.00"), stock=5, net_weight_g=3000)
    put(shopper, (oranges, 1))
    page = shown(shopper, guangzhou)
    assert page == {"expected_total": Decimal("42.00"), "expected_shipping": Decimal("12.00")}

    set_first_fee(standard, "10.00")  # the shop edits its template meanwhile
    with pytest.raises(services.CheckoutProblem) as refused:
        place(shopper, guangzhou, **page)

    assert refused.value.code == "shipping_changed"
    assert refused.value.messages == [str(services.SHIPPING_CHANGED)]
    assert "shipping_changed" in services.PRICE_CHANGES  # the page shows a fresh form
    assert not Order.objects.exists()
    assert shopper.cart.items.count() == 1
    assert Product.objects.get().stock == 5

    again = shown(shopper, guangzhou)
    assert again == {"expected_total": Decimal("44.00"), "expected_shipping": Decimal("14.00")}
    order = place(shopper, guangzhou, **again)
    assert (order.shipping_fee, order.total) == (Decimal("14.00"), Decimal("44.00"))


def test_a_price_change_is_still_told_as_a_price_change(shopper, guangzhou):
    zigui = VendorFactory()
    template(zigui)
    oranges = ProductFactory(vendor=zigui, price=Decimal("30.00"), net_weight_g=3000)
    put(shopper, (oranges, 1))
    page = shown(shopper, guangzhou)

    running_promotion(oranges, kind="percent_off", value="10")
    with pytest.raises(services.CheckoutProblem) as refused:
        place(shopper, guangzhou, **page)

    assert refused.value.code == "prices_changed"
    assert not Order.objects.exists()


def test_the_same_key_returns_the_same_order_with_its_fees(shopper, guangzhou):
    zigui = VendorFactory()
    template(zigui)
    put(shopper, (ProductFactory(vendor=zigui, price=Decimal("30.00"), net_weight_g=500), 1))

    first = place(shopper, guangzhou, key="k" * 32, **shown(shopper, guangzhou))
    second = place(shopper, guangzhou, key="k" * 32)

    assert second == first
    assert (first.shipping_fee, Order.objects.count()) == (Decimal("8.00"), 1)


@pytest.mark.parametrize("shops", [1, 5])
def test_placing_an_order_with_fees_costs_the_same_queries_for_one_or_five_shops(
    shopper, guangzhou, django_assert_num_queries, shops
):
    for _ in range(shops):
        vendor = VendorFactory()
        template(vendor)
        put(shopper, (ProductFactory(vendor=vendor, net_weight_g=1500), 1))
    cold_chain(Product.objects.first())
    page = shown(shopper, guangzhou)

    # savepoint and its release; the cart's items with each product's own template id;
    # one freight read (the rates with their templates) whatever the number of shops; the
    # commission rates in force (one read); one
    # INSERT each for the order, parts, lines, events and notifications (the shops'
    # members read once); the cart emptied; the impact rollups; and the stock, one
    # conditional UPDATE per product (one per shop here)
    with django_assert_num_queries(13 + shops) as captured:
        place(shopper, guangzhou, **page)
    # the items' query (its products' own templates) and the rates'
    assert sum("freight" in q["sql"] for q in captured.captured_queries) == 2

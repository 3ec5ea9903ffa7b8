"""Units sold (已售): up by what a checkout buys, down by what cancellations, unpaid
orders closed and refunds give back, never below 0, equal to what the recount finds,
and on the cached product cards at once."""

import uuid
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client

from catalog.models import Product
from catalog.page_cache import catalog_revision
from orders import services
from orders.models import Cart, Order, OrderLine
from orders.services.refunds import take_back
from orders.shipping.services import delivery
from orders.units_sold import recount_units_sold
from tests.factories import AddressFactory, ProductFactory

pytestmark = pytest.mark.django_db


def buy(django_user_model, *items, payment_method=Order.PaymentMethod.CASH_ON_DELIVERY):
    """A shopper's checkout of `items` ((product, quantity), ...)."""
    shopper = django_user_model.objects.create_user(f"buyer-{uuid.uuid4().hex[:8]}")
    cart = Cart.objects.create(user=shopper)
    for product, quantity in items:
        services.add_to_cart(cart, product, quantity)
    return services.place_order(
        cart,
        shopper=shopper,
        address=AddressFactory(user=shopper),
        payment_method=payment_method,
        idempotency_key=uuid.uuid4().hex,
    )


def sold(*products):
    figures = dict(Product.objects.values_list("pk", "units_sold"))
    return [figures[product.pk] for product in products]


def recounted(*products):
    """The figures the recount gives, the live ones left as they were after it."""
    live = sold(*products)
    recount_units_sold()
    figures = sold(*products)
    for product, units in zip(products, live, strict=True):
        Product.objects.filter(pk=product.pk).update(units_sold=units)
    return figures


def test_a_checkout_raises_units_sold_by_the_quantities_bought(django_user_model):
    oranges, tea = ProductFactory(stock=20), ProductFactory(stock=20)

    buy(django_user_model, (oranges, 3), (tea, 1))
    buy(django_user_model, (oranges, 2))

    assert sold(oranges, tea) == [5, 1]
    assert list(
        Product.objects.filter(pk__in=[oranges.pk, tea.pk])
        .values_list("stock", flat=True)
        .order_by("pk")
    ) == [15, 19]
    assert recounted(oranges, tea) == [5, 1]


def test_a_checkout_refused_for_short_stock_sells_nothing(django_user_model):
    oranges, tea = ProductFactory(stock=20), ProductFactory(stock=2)
    shopper = django_user_model.objects.create_user("buyer")
    cart = Cart.objects.create(user=shopper)
    services.add_to_cart(cart, oranges, 3)
    services.add_to_cart(cart, tea, 2)
    Product.objects.filter(pk=tea.pk).update(stock=1)  # another shopper took one meanwhile

    with pytest.raises(services.CheckoutProblem):
        services.place_order(
            cart,
            shopper=shopper,
            address=AddressFactory(user=shopper),
            payment_method=Order.PaymentMethod.CASH_ON_DELIVERY,
            idempotency_key=uuid.uuid4().hex,
        )

    assert sold(oranges, tea) == [0, 0]
    assert Product.objects.get(pk=oranges.pk).stock == 20


def test_cancelling_an_order_takes_its_units_off(django_user_model):
    oranges = ProductFactory(stock=20)
    buy(django_user_model, (oranges, 2))
    cancelled = buy(django_user_model, (oranges, 3))

    services.cancel_order(cancelled, by=cancelled.shopper)

    assert sold(oranges) == [2]
    assert Product.objects.get(pk=oranges.pk).stock == 18
    assert recounted(oranges) == [2]


def test_an_unpaid_order_counts_until_it_is_closed_for_not_being_paid(django_user_model):
    oranges = ProductFactory(stock=20)
    order = buy(django_user_model, (oranges, 4), payment_method=Order.PaymentMethod.BANK_TRANSFER)
    assert sold(oranges) == [4]  # its stock is taken: it counts while it may be paid
    assert recounted(oranges) == [4]

    services.close_unpaid_order(order)

    assert sold(oranges) == [0]
    assert Product.objects.get(pk=oranges.pk).stock == 20
    assert recounted(oranges) == [0]


def test_a_shop_cancelling_its_part_takes_only_that_parts_units_off(django_user_model):
    oranges, tea = ProductFactory(stock=20), ProductFactory(stock=20)
    order = buy(django_user_model, (oranges, 2), (tea, 3))
    tea_part = order.parts.get(vendor=tea.vendor)

    services.cancel_part(tea_part, reason="茶园遭霜冻", by=None)

    assert sold(oranges, tea) == [2, 0]
    assert recounted(oranges, tea) == [2, 0]


def received_order(django_user_model, product, quantity):
    order = buy(django_user_model, (product, quantity))
    part = order.parts.get()
    services.ship_part(part, carrier="顺丰速运", tracking_number="SF1234567890", by=None)
    delivery.confirm_receipt(part, by=order.shopper)
    return order


def test_returned_goods_go_back_on_sale_and_off_the_units_sold(django_user_model):
    oranges = ProductFactory(stock=20)
    order = received_order(django_user_model, oranges, 3)
    line = OrderLine.objects.get(part__order=order)

    take_back(line, quantity=2, goods=Decimal("20.00"), restock=True)

    assert sold(oranges) == [1]
    assert Product.objects.get(pk=oranges.pk).stock == 19
    assert recounted(oranges) == [1]


def test_a_refund_of_goods_kept_by_the_shopper_takes_them_off_the_units_sold(django_user_model):
    oranges = ProductFactory(stock=20)
    order = received_order(django_user_model, oranges, 3)
    line = OrderLine.objects.get(part__order=order)

    take_back(line, quantity=1, goods=Decimal("10.00"))  # spoiled on the way: not returned

    assert sold(oranges) == [2]
    assert Product.objects.get(pk=oranges.pk).stock == 17  # nothing came back to sell
    assert recounted(oranges) == [2]


def test_units_sold_never_goes_below_zero(django_user_model):
    oranges = ProductFactory(stock=20)
    order = buy(django_user_model, (oranges, 3))
    Product.objects.filter(pk=oranges.pk).update(units_sold=1)  # recounted lower meanwhile

    services.cancel_order(order, by=order.shopper)

    assert sold(oranges) == [0]
    assert Product.objects.get(pk=oranges.pk).stock == 20


def test_a_refund_never_takes_units_sold_below_zero(django_user_model):
    oranges = ProductFactory(stock=20)
    order = received_order(django_user_model, oranges, 3)
    Product.objects.filter(pk=oranges.pk).update(units_sold=0)

    take_back(OrderLine.objects.get(part__order=order), quantity=2, goods=Decimal("20.00"))

    assert sold(oranges) == [0]


def test_the_recount_command_gives_the_live_figures_and_is_idempotent(django_user_model, capsys):
    oranges, tea, eggs = (ProductFactory(stock=50) for _ in range(3))
    buy(django_user_model, (oranges, 3), (tea, 2))
    services.cancel_order(buy(django_user_model, (tea, 5)), by=None)
    order = received_order(django_user_model, eggs, 4)
    take_back(OrderLine.objects.get(part__order=order), quantity=1, goods=Decimal("10.00"))
    live = sold(oranges, tea, eggs)
    assert live == [3, 2, 3]
    Product.objects.update(units_sold=7777)  # seeded figures, say

    call_command("recount_units_sold", "--no-progress")
    call_command("recount_units_sold", "--no-progress")

    assert sold(oranges, tea, eggs) == live
    assert capsys.readouterr().out.splitlines() == [
        "Recounted 3 products: 3 changed.",
        "Recounted 3 products: 0 changed.",
    ]


def test_the_recount_works_in_batches(django_user_model):
    products = [ProductFactory(stock=10) for _ in range(5)]
    for index, product in enumerate(products):
        buy(django_user_model, (product, index + 1))
    Product.objects.update(units_sold=0)
    batches = []

    changed = recount_units_sold(batch_size=2, progress=batches.append)

    assert changed == 5
    assert batches == [2, 2, 1]
    assert sold(*products) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(("language", "label"), [("zh-hans", "已售 2"), ("en", "2 sold")])
def test_the_cached_product_card_shows_the_units_sold_after_a_purchase(
    django_user_model, language, label
):
    oranges = ProductFactory(stock=50)
    visitor = Client(HTTP_ACCEPT_LANGUAGE=language)
    assert label not in visitor.get("/products/").content.decode()  # cached now

    buy(django_user_model, (oranges, 2))

    assert label in visitor.get("/products/").content.decode()


def test_a_sale_that_leaves_the_rounded_label_as_it_was_keeps_the_cached_pages(
    django_user_model,
):
    oranges = ProductFactory(stock=50)
    Product.objects.filter(pk=oranges.pk).update(units_sold=1_200)  # 1,000+ sold
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert "1,000+ sold" in visitor.get("/products/").content.decode()
    revision = catalog_revision()

    buy(django_user_model, (oranges, 2))

    assert catalog_revision() == revision
    assert sold(oranges) == [1_202]


def test_a_sale_that_moves_the_rounded_label_refreshes_the_cached_pages(django_user_model):
    oranges = ProductFactory(stock=50)
    Product.objects.filter(pk=oranges.pk).update(units_sold=999)
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert "900+ sold" in visitor.get("/products/").content.decode()

    buy(django_user_model, (oranges, 1))

    assert "1,000+ sold" in visitor.get("/products/").content.decode()


def test_units_sold_move_the_same_without_returning(django_user_model, monkeypatch):
    """SQLite before 3.35 has no UPDATE … RETURNING: the ORM path counts the same."""
    monkeypatch.setattr("orders.locks._update_can_return", lambda: False)
    oranges = ProductFactory(stock=20)
    order = received_order(django_user_model, oranges, 3)
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert "3 sold" in visitor.get("/products/").content.decode()

    take_back(OrderLine.objects.get(part__order=order), quantity=1, goods=Decimal("10.00"))

    assert sold(oranges) == [2]
    assert "2 sold" in visitor.get("/products/").content.decode()


@pytest.mark.parametrize("products", [2, 6])
def test_a_recount_batch_makes_the_same_queries_whatever_its_size(
    django_user_model, django_assert_num_queries, products
):
    for _ in range(products):
        buy(django_user_model, (ProductFactory(stock=10), 2))
    Product.objects.update(units_sold=0)

    # Per batch a savepoint pair (the test's transaction), its products locked, their
    # lines summed and the changed ones written; then the batch that finds no more.
    with django_assert_num_queries(8):
        assert recount_units_sold(batch_size=10) == products

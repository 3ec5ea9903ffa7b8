import json
import subprocess
import sys
import uuid
from decimal import Decimal
from functools import partial

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from catalog.models import Product, Vendor
from orders import services
from orders.models import Cart, CartItem, Order, OrderEvent, OrderPart
from tests.factories import (
    AddressFactory,
    CartItemFactory,
    ProductFactory,
    UserFactory,
    VendorFactory,
)
from tests.support.races import all_at_once

pytestmark = pytest.mark.django_db
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@pytest.fixture
def shopper(django_user_model):
    return django_user_model.objects.create_user("buyer", password="pw")


@pytest.fixture
def address(shopper):
    return AddressFactory(user=shopper)


def checkout(cart, shopper, address, key=None):
    return services.place_order(
        cart,
        shopper=shopper,
        address=address,
        payment_method=Order.PaymentMethod.CASH_ON_DELIVERY,
        idempotency_key=key or uuid.uuid4().hex,
    )


def test_one_checkout_makes_one_order_with_a_part_per_vendor(shopper, address):
    oranges = ProductFactory(name="秭归脐橙", price=Decimal("59.90"), stock=5, net_weight_g=5000)
    crayfish = ProductFactory(name="潜江小龙虾", price=Decimal("98.00"), stock=3, net_weight_g=2000)
    cart = Cart.objects.create(user=shopper)
    services.add_to_cart(cart, oranges, 2)
    services.add_to_cart(cart, crayfish, 1)

    order = checkout(cart, shopper, address)

    assert order.total == Decimal("217.80")
    assert order.weight_g == 12000
    assert order.address["city"] == "武汉市"
    parts = {p.vendor_id: p for p in order.parts.all()}
    assert parts[oranges.vendor_id].subtotal == Decimal("119.80")
    assert parts[crayfish.vendor_id].subtotal == Decimal("98.00")
    assert {p.status for p in parts.values()} == {OrderPart.Status.PENDING}
    assert Product.objects.get(pk=oranges.pk).stock == 3
    assert Product.objects.get(pk=crayfish.pk).stock == 2
    assert cart.items.count() == 0
    # cash on delivery: confirmed at once, vendors may ship
    assert list(order.events.values_list("to_status", flat=True)) == ["placed", "confirmed"]
    assert len(order.number) == 14 and order.number.startswith("HB")


def test_the_price_is_the_one_at_checkout_not_when_added(shopper, address):
    tea = ProductFactory(price=Decimal("88.00"))
    cart = Cart.objects.create(user=shopper)
    services.add_to_cart(cart, tea, 1)
    tea.price = Decimal("78.00")
    tea.save()

    order = checkout(cart, shopper, address)

    assert order.total == Decimal("78.00")


def test_a_sold_out_item_is_named_and_nothing_changes(shopper, address):
    eggs = ProductFactory(name="洪湖咸鸭蛋", stock=5)
    tea = ProductFactory(name="恩施玉露", name_en="Enshi Yulu tea", stock=5)
    cart = Cart.objects.create(user=shopper)
    services.add_to_cart(cart, eggs, 2)
    services.add_to_cart(cart, tea, 4)
    Product.objects.filter(pk=tea.pk).update(stock=1)  # another shopper bought most

    with pytest.raises(services.CheckoutProblem) as problem:
        checkout(cart, shopper, address)

    assert problem.value.messages == [
        "Only 1 of “Enshi Yulu tea” left; you asked for 4."
    ]  # its English name
    assert Product.objects.get(pk=eggs.pk).stock == 5  # taken, then rolled back
    assert Product.objects.get(pk=tea.pk).stock == 1
    assert cart.items.count() == 2
    assert Order.objects.count() == 0


def test_an_item_unpublished_or_of_a_suspended_vendor_blocks_checkout(shopper, address):
    gone = ProductFactory(name="下架商品", name_en="")  # no English name: the Chinese one
    hidden_vendor = VendorFactory()
    hidden = ProductFactory(name="暂停店铺商品", name_en="", vendor=hidden_vendor)
    cart = Cart.objects.create(user=shopper)
    services.add_to_cart(cart, gone, 1)
    services.add_to_cart(cart, hidden, 1)
    Product.objects.filter(pk=gone.pk).update(status=Product.Status.DRAFT)
    Vendor.objects.filter(pk=hidden_vendor.pk).update(status=Vendor.Status.SUSPENDED)

    with pytest.raises(services.CheckoutProblem) as problem:
        checkout(cart, shopper, address)

    assert sorted(problem.value.messages) == sorted(
        ["“下架商品” is no longer on sale.", "“暂停店铺商品” is no longer on sale."]
    )
    assert cart.items.count() == 2


def test_the_same_checkout_submitted_twice_makes_one_order(shopper, address):
    product = ProductFactory(stock=5)
    cart = Cart.objects.create(user=shopper)
    services.add_to_cart(cart, product, 2)

    first = checkout(cart, shopper, address, key="same-key")
    second = checkout(cart, shopper, address, key="same-key")

    assert first.pk == second.pk
    assert Order.objects.count() == 1
    assert Product.objects.get(pk=product.pk).stock == 3


def test_cart_refuses_more_than_is_in_stock_and_zero_removes(shopper):
    product = ProductFactory(name="罗田板栗", name_en="", stock=2)
    cart = Cart.objects.create(user=shopper)

    with pytest.raises(ValidationError) as refused:
        services.set_cart_quantity(cart, product, 3)
    services.set_cart_quantity(cart, product, 2)
    services.set_cart_quantity(cart, product, 0)

    assert refused.value.messages == ["Only 2 of “罗田板栗” left; you asked for 3."]
    assert CartItem.objects.count() == 0


def test_signing_in_merges_the_session_cart(shopper):
    a, b = ProductFactory(stock=9), ProductFactory(stock=9)
    session_cart = Cart.objects.create(session_key="s" * 32)
    user_cart = Cart.objects.create(user=shopper)
    services.add_to_cart(session_cart, a, 3)
    services.add_to_cart(user_cart, a, 1)
    services.add_to_cart(user_cart, b, 2)

    services.merge_carts(session_cart, user_cart)

    assert dict(user_cart.items.values_list("product_id", "quantity")) == {a.pk: 3, b.pk: 2}
    assert not Cart.objects.filter(pk=session_cart.pk).exists()


def test_cancelling_before_shipment_returns_stock_and_records_who(shopper, address):
    product = ProductFactory(stock=5)
    cart = Cart.objects.create(user=shopper)
    services.add_to_cart(cart, product, 4)
    order = checkout(cart, shopper, address)

    services.cancel_order(order, by=shopper)

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert Product.objects.get(pk=product.pk).stock == 5
    assert set(order.parts.values_list("status", flat=True)) == {"cancelled"}
    last = OrderEvent.objects.filter(order=order, part=None).last()
    assert (last.from_status, last.to_status, last.by) == ("confirmed", "cancelled", shopper)


def test_cancelling_twice_is_refused_with_a_clear_message(shopper, address):
    product = ProductFactory(stock=5)
    cart = Cart.objects.create(user=shopper)
    services.add_to_cart(cart, product, 1)
    order = checkout(cart, shopper, address)
    services.cancel_order(order, by=shopper)

    with pytest.raises(ValidationError) as refused:
        services.cancel_order(order, by=shopper)

    assert refused.value.messages == ["An order that is cancelled cannot be cancelled."]
    assert Product.objects.get(pk=product.pk).stock == 5


@pytest.mark.skipif(not ON_POSTGRES, reason="real parallel buyers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_buyers_for_the_last_ten_units_never_oversell(django_user_model):
    product = ProductFactory(stock=10, name="最后十箱秭归脐橙", name_en="Last ten boxes of oranges")
    buyers = []
    for i in range(50):
        user = UserFactory(username=f"racer{i}")
        address = AddressFactory(user=user)
        cart = CartItemFactory(cart__user=user, product=product, quantity=1).cart
        buyers.append((user, address, cart))

    def buy(user, address, cart):
        try:
            return checkout(cart, user, address)
        except services.CheckoutProblem as problem:
            return problem.messages

    # each thread has its own language
    results = all_at_once([partial(buy, *buyer) for buyer in buyers], language="en")

    orders = [r for r in results if isinstance(r, Order)]
    refusals = [r for r in results if not isinstance(r, Order)]
    assert len(orders) == 10
    assert len(refusals) == 40
    assert set(map(tuple, refusals)) == {("“Last ten boxes of oranges” is sold out.",)}
    assert Product.objects.get(pk=product.pk).stock == 0
    assert Order.objects.count() == 10


@pytest.mark.skipif(ON_POSTGRES, reason="the SQLite run proves the embedded default")
def test_fifty_buyer_processes_on_the_embedded_sqlite_never_oversell(tmp_path):
    # Separate processes on one SQLite file, as `make run`'s web server and worker are.
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.orders.sqlite_race",
            str(tmp_path / "store.sqlite3"),
            "50",
            "10",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=settings.BASE_DIR,
    )

    # What went wrong, when it did: the last of what the processes wrote to stderr.
    assert finished.returncode == 0, finished.stderr[-3000:]
    result = json.loads(finished.stdout)
    assert (result["orders"], result["succeeded"], result["refused"]) == (10, 10, 40)
    assert result["stock"] == 0
    assert result["told"] == ["“最后的秭归脐橙” is sold out."]
    assert result["notifications_sent"] == 10
    assert result["exit_codes"] == [0]


def test_a_retried_checkout_returns_its_order_whatever_was_added_to_the_cart_since(
    shopper, address
):
    cart = Cart.objects.create(user=shopper)
    services.add_to_cart(cart, ProductFactory(stock=5), 1)
    first = checkout(cart, shopper, address, key="k" * 32)
    services.add_to_cart(cart, ProductFactory(stock=5), 1)  # in another window, meanwhile

    again = checkout(cart, shopper, address, key="k" * 32)  # the first POST, retried

    assert again == first
    assert Order.objects.count() == 1 and cart.items.count() == 1  # the new item stays


def check_out_in_two_windows_at_once(shopper, address):
    """Both windows POST together, each with its own idempotency key: what each got."""

    def window(key):
        try:
            return services.place_order(
                None,
                shopper=shopper,
                address=address,
                payment_method="cod",
                idempotency_key=key,
            )
        except services.CheckoutProblem as problem:
            return getattr(problem, "code", None)
        except Exception as error:  # noqa: BLE001 - shown by the assertions
            return repr(error)

    return all_at_once([partial(window, uuid.uuid4().hex) for _ in range(2)])


@pytest.mark.skipif(not ON_POSTGRES, reason="real parallel checkouts need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_windows_checking_out_the_same_cart_make_one_order(django_user_model):
    """Two tabs, two idempotency keys, one cart: whichever commits first orders it; the
    other is refused (its items are gone), never a second order of the same items."""
    for trial in range(8):
        shopper = django_user_model.objects.create_user(f"two-tabs-{trial}")
        address = AddressFactory(user=shopper)
        product = ProductFactory(stock=10)
        services.add_to_cart(Cart.objects.create(user=shopper), product, 2)

        outcomes = check_out_in_two_windows_at_once(shopper, address)

        assert Order.objects.filter(shopper=shopper).count() == 1, outcomes
        orders = [o for o in outcomes if isinstance(o, Order)]
        refusals = [o for o in outcomes if not isinstance(o, Order)]
        assert len(orders) == 1 and len(refusals) == 1, outcomes
        assert refusals[0] in {"cart_changed", "empty_cart"}, outcomes
        product.refresh_from_db()
        assert product.stock == 8

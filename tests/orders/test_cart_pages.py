from decimal import Decimal

import pytest
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from catalog.models import Product
from orders.models import Cart, CartItem
from tests.factories import ProductFactory, VendorFactory, running_promotion

pytestmark = pytest.mark.django_db
CART = reverse("orders:cart")


def add(client, product, quantity=1, **extra):
    return client.post(
        reverse("orders:cart_add", args=[product.pk]),
        {"quantity": quantity, **extra},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def update(client, product, **data):
    return client.post(
        reverse("orders:cart_update", args=[product.pk]), data, HTTP_ACCEPT_LANGUAGE="en"
    )


def cart_page(client):
    return client.get(CART, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_a_shopper_adds_two_vendors_products_and_sees_them_grouped(client):
    oranges = ProductFactory(
        name="秭归脐橙",
        name_en="Zigui oranges",
        price=Decimal("59.90"),
        net_weight_g=5000,
        vendor=VendorFactory(name_en="Zigui Co-op"),
    )
    crayfish = ProductFactory(
        name="潜江小龙虾",
        name_en="Qianjiang crayfish",
        price=Decimal("98.00"),
        net_weight_g=2000,
        vendor=VendorFactory(name_en="Qianjiang Farm"),
    )

    response = add(client, oranges, 2)
    add(client, crayfish, 1)

    assert (response.status_code, response["Location"]) == (302, CART)
    html = cart_page(client)
    assert "Added “Zigui oranges” to your cart." in html
    assert html.index("Zigui Co-op") < html.index("Qianjiang Farm")
    assert "Subtotal <strong>¥119.80</strong> · 10 kg" in html
    assert "Subtotal <strong>¥98.00</strong> · 2 kg" in html
    assert "3 items · 12 kg" in html
    assert "Total <strong>¥217.80</strong>" in html


def test_a_posted_price_is_ignored(client):
    tea = ProductFactory(price=Decimal("88.00"))

    add(client, tea, 1, price="0.01", unit_price="0.01")

    assert "Total <strong>¥88.00</strong>" in cart_page(client)


def test_more_than_is_in_stock_is_refused_and_nothing_added(client):
    chestnuts = ProductFactory(name="罗田板栗", stock=2)

    response = add(client, chestnuts, 5)

    assert response["Location"] == chestnuts.get_absolute_url()
    assert CartItem.objects.count() == 0
    page = client.get(CART, HTTP_ACCEPT_LANGUAGE="en")
    assert "Your cart is empty." in page.content.decode()


@pytest.mark.parametrize("quantity", ["0", "-1", "abc", "1000"])
def test_a_bad_quantity_is_refused(client, quantity):
    product = ProductFactory()

    add(client, product, quantity)

    assert CartItem.objects.count() == 0


def test_a_hidden_product_cannot_be_added(client):
    draft = ProductFactory(status=Product.Status.DRAFT)

    assert add(client, draft).status_code == 404
    assert CartItem.objects.count() == 0


def test_changing_and_removing_quantities(client):
    product = ProductFactory(stock=9, price=Decimal("10.00"))
    add(client, product, 1)

    update(client, product, quantity=4)
    assert "Total <strong>¥40.00</strong>" in cart_page(client)

    update(client, product, quantity=20)
    html = cart_page(client)
    assert "you asked for 20" in html
    assert "Total <strong>¥40.00</strong>" in html

    update(client, product, quantity=4, remove="1")
    assert "Your cart is empty." in cart_page(client)


def test_htmx_add_answers_with_a_fragment_and_tells_the_header(client):
    product = ProductFactory(name="恩施玉露", name_en="Enshi Yulu")

    response = client.post(
        reverse("orders:cart_add", args=[product.pk]),
        {"quantity": 2},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response["HX-Trigger"] == "cart-changed"
    assert "Added “Enshi Yulu” to your cart." in response.content.decode()
    summary = client.get(reverse("orders:cart_summary"), HTTP_ACCEPT_LANGUAGE="en")
    assert summary.content.decode().strip() == 'Cart <span class="cart-count">2</span>'


def test_an_item_no_longer_on_sale_is_marked_and_can_be_removed(client):
    product = ProductFactory()
    add(client, product, 1)
    Product.objects.filter(pk=product.pk).update(status=Product.Status.DRAFT)

    assert "No longer on sale. Remove it to check out." in cart_page(client)
    update(client, product, quantity=1, remove="1")
    assert "Your cart is empty." in cart_page(client)


def test_one_shopper_cannot_touch_another_shoppers_cart(client):
    product = ProductFactory()
    add(client, product, 1)
    stranger = Client()
    add(stranger, ProductFactory(), 1)

    response = update(stranger, product, quantity=5)

    assert response.status_code == 404
    assert CartItem.objects.get(product=product).quantity == 1


def test_signing_in_keeps_what_was_in_the_cart(client, django_user_model):
    django_user_model.objects.create_user("shopper", password="a-long-password-1")
    product = ProductFactory(stock=5)
    add(client, product, 2)

    assert client.login(request=HttpRequest(), username="shopper", password="a-long-password-1")

    cart = Cart.objects.get(user__username="shopper")
    assert list(cart.items.values_list("product_id", "quantity")) == [(product.pk, 2)]
    assert Cart.objects.count() == 1


@pytest.mark.parametrize("items", [2, 6])
def test_the_cart_page_runs_a_fixed_number_of_queries(
    session_reads, client, django_assert_num_queries, items
):
    products = [ProductFactory() for _ in range(items)]
    for product in products:
        add(client, product, 1)
    running_promotion(*products)  # saving it makes every cached price stale

    # session, cart, items with products, photos, visibility, and the promotion schedule
    # (2 queries, cached afterwards) however many items it prices
    with django_assert_num_queries(6 + session_reads):
        assert client.get(CART).status_code == 200

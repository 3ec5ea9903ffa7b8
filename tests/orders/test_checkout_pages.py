import re
from decimal import Decimal
from functools import partial

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from catalog.models import Product
from notifications.models import Notification
from orders.models import Order
from tests.factories import AddressFactory, ProductFactory, running_promotion
from tests.support.races import all_at_once

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
CHECKOUT = reverse("orders:checkout")


@pytest.fixture
def buyer(client, django_user_model):
    user = django_user_model.objects.create_user("buyer")
    AddressFactory(user=user, is_default=True)
    client.force_login(user)
    return user


def fill_cart(client, *products):
    for product, quantity in products:
        client.post(reverse("orders:cart_add", args=[product.pk]), {"quantity": quantity})


def checkout_form(client):
    html = client.get(CHECKOUT, **EN).content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', html)[1]
    address = re.search(r'name="address" value="(\d+)"', html)[1]
    return {"address": address, "payment_method": "cod", "idempotency_key": key}


def test_checkout_needs_a_signed_in_shopper(client):
    response = client.get(CHECKOUT)

    assert response["Location"] == f"{reverse('login')}?next={CHECKOUT}"


def test_placing_an_order_shows_the_confirmation_with_each_vendors_part(client, buyer):
    oranges = ProductFactory(name="秭归脐橙", price=Decimal("59.90"), stock=5)
    crayfish = ProductFactory(name="潜江小龙虾", price=Decimal("98.00"), stock=5)
    fill_cart(client, (oranges, 2), (crayfish, 1))

    response = client.post(
        CHECKOUT, {**checkout_form(client), "total": "0.01", "price": "0.01"}, **EN
    )

    order = Order.objects.get()
    assert response["Location"] == reverse("orders:detail", args=[order.number])
    html = client.get(response["Location"], **EN).content.decode()
    assert "Thank you! Your order is placed." in html
    assert "Pay the courier in cash when your parcels arrive." in html
    assert html.count('class="cart-vendor order-part"') == 2
    assert (
        f"{oranges.name_en} · 1 box · ¥59.90 × 2 = ¥119.80" in html
    )  # in English: its English name
    assert order.total == Decimal("217.80")
    assert order.number in client.get(reverse("orders:history"), **EN).content.decode()


def test_a_double_submit_makes_one_order(client, buyer):
    fill_cart(client, (ProductFactory(stock=5), 1))
    form = checkout_form(client)

    first = client.post(CHECKOUT, form)
    second = client.post(CHECKOUT, form)

    assert first["Location"] == second["Location"]
    assert Order.objects.count() == 1


def test_an_item_sold_out_meanwhile_is_named_and_the_cart_kept(client, buyer):
    tea = ProductFactory(name="恩施玉露", name_en="Enshi Yulu tea", stock=3)
    fill_cart(client, (tea, 2))
    form = checkout_form(client)
    Product.objects.filter(pk=tea.pk).update(stock=0)

    response = client.post(CHECKOUT, form, **EN)

    html = response.content.decode()
    assert "“Enshi Yulu tea” is sold out." in html  # its name in the shopper's language
    assert "your cart is unchanged" in html
    assert Order.objects.count() == 0
    # (in English the cart names it by its English name)
    assert tea.get_absolute_url() in client.get(reverse("orders:cart"), **EN).content.decode()


def test_another_shoppers_address_cannot_be_used(client, buyer, django_user_model):
    other = django_user_model.objects.create_user("other")
    theirs = AddressFactory(user=other, recipient="李四")
    fill_cart(client, (ProductFactory(), 1))

    response = client.post(CHECKOUT, {**checkout_form(client), "address": theirs.pk}, **EN)

    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert Order.objects.count() == 0


def test_another_shoppers_order_is_not_found(client, buyer, django_user_model):
    fill_cart(client, (ProductFactory(), 1))
    client.post(CHECKOUT, checkout_form(client))
    order = Order.objects.get()

    client.force_login(django_user_model.objects.create_user("nosy"))

    assert client.get(reverse("orders:detail", args=[order.number])).status_code == 404


@pytest.mark.parametrize("orders", [1, 4])
def test_order_pages_run_a_fixed_number_of_queries(
    session_reads, client, buyer, django_assert_num_queries, orders
):
    for _ in range(orders):
        fill_cart(client, (ProductFactory(), 1), (ProductFactory(), 2))
        client.post(CHECKOUT, checkout_form(client))
    number = Order.objects.first().number

    # session, user, (count,) orders, parts with vendors, lines (and the order's events
    # for the parts' timelines); the order's page also reads its after-sales requests
    # (none: no timelines to prefetch) and the categories' after-sales hours
    with django_assert_num_queries(5 + session_reads):
        client.get(reverse("orders:history"))
    with django_assert_num_queries(7 + session_reads):
        client.get(reverse("orders:detail", args=[number]))


@pytest.mark.parametrize("items", [1, 5])
def test_the_checkout_page_runs_a_fixed_number_of_queries(
    session_reads, client, buyer, django_assert_num_queries, items
):
    products = [ProductFactory() for _ in range(items)]
    for product in products:
        fill_cart(client, (product, 1))
    running_promotion(*products)  # saving it makes every cached price stale

    # session, user, cart, items with products, photos, visibility, the address book
    # once (the default choice, "has addresses?" and the radio buttons share it), the
    # promotion schedule (2 queries, cached afterwards) however many items it prices,
    # and the freight templates to the address's province (the products' own, the
    # shops' defaults: none, so no rates to prefetch)
    with django_assert_num_queries(9 + session_reads):
        assert client.get(CHECKOUT).status_code == 200


@pytest.mark.parametrize("vendors", [1, 3])
def test_placing_an_order_costs_a_fixed_number_of_queries_plus_one_per_product(
    session_reads, client, buyer, django_user_model, django_assert_num_queries, vendors
):
    products = [ProductFactory() for _ in range(vendors)]
    for product in products:
        owner = django_user_model.objects.create_user(f"owner-{product.pk}")
        product.vendor.members.add(owner)
    fill_cart(client, *[(product, 2) for product in products])
    form = checkout_form(client)

    # session, user, the chosen address, the shopper's cart items with products and
    # vendors (the cart joined in), the freight templates (the products' own, the shops'
    # defaults: none, so no rates), vendor members, the commission rates in force (one
    # read, whatever the lines); one INSERT each for the order, parts, lines, events and
    # notifications; the cart emptied; then one conditional UPDATE per product, and the
    # impact board's rollups moved in one upsert (and a savepoint around it all, since
    # the test runs in a transaction). A repeated key is caught by the order's unique
    # constraint, not by a query first.
    with django_assert_num_queries(15 + session_reads + vendors):
        response = client.post(CHECKOUT, form)

    order = Order.objects.get()
    assert response["Location"] == reverse("orders:detail", args=[order.number])
    assert order.parts.count() == vendors
    assert Notification.objects.filter(context__order_id=order.pk).count() == 1 + vendors


def test_the_tab_that_lost_the_race_is_told_the_order_was_already_placed(client, buyer):
    oranges = ProductFactory(name="秭归脐橙", price=Decimal("59.90"), stock=5)
    fill_cart(client, (oranges, 2))
    first_tab, second_tab = checkout_form(client), checkout_form(client)
    assert first_tab["idempotency_key"] != second_tab["idempotency_key"]
    client.post(CHECKOUT, first_tab, **EN)

    response = client.post(CHECKOUT, second_tab, follow=True, **EN)

    order = Order.objects.get()
    assert response.redirect_chain == [(reverse("orders:cart"), 302)]
    assert (
        "This cart was already checked out in another tab or window: your order is "
        f'<a href="{reverse("orders:detail", args=[order.number])}">{order.number}</a>. '
        "Nothing was ordered twice."
    ) in response.content.decode()
    oranges.refresh_from_db()
    assert (Order.objects.count(), oranges.stock) == (1, 3)


def _post_together(url, *tabs):
    """Each (client, form) of `tabs` POSTs to `url` at the same instant, each in a thread
    of its own: the followed responses, in the order of `tabs`."""
    return all_at_once(
        [partial(browser.post, url, form, follow=True, **EN) for browser, form in tabs]
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two checkouts at the same instant need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_two_tabs_posting_at_the_same_instant_tell_the_loser_which_order_was_placed(
    django_user_model,
):
    for trial in range(6):
        shopper = django_user_model.objects.create_user(f"both-tabs-{trial}", password="pw")
        AddressFactory(user=shopper, is_default=True)
        first = Client()
        first.force_login(shopper)
        fill_cart(first, (ProductFactory(price=Decimal("59.90"), stock=5), 2))
        second = Client()
        second.cookies = first.cookies  # two tabs of one browser
        answers = _post_together(
            CHECKOUT, (first, checkout_form(first)), (second, checkout_form(second))
        )

        order = Order.objects.get(shopper=shopper)
        placed = reverse("orders:detail", args=[order.number])
        landed = sorted(answer.redirect_chain[-1][0] for answer in answers)
        loser = next(a for a in answers if a.redirect_chain[-1][0] != placed)
        assert landed == sorted([placed, reverse("orders:cart")]), trial
        assert f'<a href="{placed}">{order.number}</a>' in loser.content.decode(), trial


def test_an_empty_cart_with_no_recent_order_says_nothing_about_orders(client, buyer):
    oranges = ProductFactory(price=Decimal("59.90"), stock=5)
    fill_cart(client, (oranges, 1))
    form = checkout_form(client)
    client.post(reverse("orders:cart_update", args=[oranges.pk]), {"quantity": 0})

    response = client.post(CHECKOUT, form, follow=True, **EN)

    assert response.redirect_chain == [(reverse("orders:cart"), 302)]
    assert "already checked out" not in response.content.decode()
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("language", "per_vendor", "in_all"),
    [("en", "3 items", "4 items"), ("zh-hans", "共 3 件", "共 4 件")],
)
def test_checkout_counts_units_like_the_cart(client, buyer, language, per_vendor, in_all):
    oranges, lemons = ProductFactory(stock=9), ProductFactory(stock=9)
    tea = ProductFactory(vendor=oranges.vendor, stock=9)
    fill_cart(client, (oranges, 2), (tea, 1), (lemons, 1))

    page = client.get(CHECKOUT, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    cart = client.get(reverse("orders:cart"), HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert f"<strong>{oranges.vendor.display_name}</strong> · {per_vendor} ·" in page
    assert f"· {in_all} ·" in page and f"<p>{in_all} ·" in cart


@pytest.mark.parametrize(
    ("language", "heading", "says", "change", "place"),
    [
        (
            "en",
            "Some items cannot be bought as your cart stands:",
            "Only 1 left",
            "Change the cart",
            "Place order",
        ),
        ("zh-hans", "购物车中有商品目前无法购买：", "仅剩 1 件", "修改购物车", "提交订单"),
    ],
)
def test_a_checkout_reopened_after_an_item_ran_short_says_so_and_cannot_be_placed(
    client, buyer, language, heading, says, change, place
):
    tea = ProductFactory(name="恩施玉露", name_en="Enshi Yulu tea", stock=3)
    fill_cart(client, (tea, 2))
    Product.objects.filter(pk=tea.pk).update(stock=1)

    html = client.get(CHECKOUT, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert heading in html and says in html
    assert f'<a href="{reverse("orders:cart")}">{change}</a>' in html
    assert f'<button type="submit" class="button" disabled>{place}</button>' in html

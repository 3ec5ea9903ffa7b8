"""The checkout page shows each shop's shipping to the chosen address (the default one
first), recomputes it when another address is chosen (htmx, or the "Update shipping"
button without JavaScript), names what is not delivered there, and posts back the fees
it showed."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import Order
from tests.factories import AddressFactory, ProductFactory, VendorFactory
from tests.orders.shipping.checkout_helpers import cold_chain, set_first_fee, template

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {**EN, "HTTP_HX_REQUEST": "true"}
CHECKOUT = reverse("orders:checkout")


@pytest.fixture
def buyer(client, django_user_model):
    user = django_user_model.objects.create_user("buyer")
    client.force_login(user)
    return user


@pytest.fixture
def wuhan(buyer):
    return AddressFactory(user=buyer, is_default=True)  # 湖北省


@pytest.fixture
def urumqi(buyer):
    return AddressFactory(
        user=buyer, province="新疆维吾尔自治区", city="乌鲁木齐市", district="天山区"
    )


@pytest.fixture
def shops(wuhan, urumqi):
    """Zigui's oranges (¥8 the first kg in Hubei, ¥20 to remote regions, ¥2 each further
    kg, free from ¥99) and Qianjiang's crayfish by cold chain (¥25, not to remote
    regions), 3 kg of each."""
    zigui, qianjiang = VendorFactory(name="秭归果园"), VendorFactory(name="潜江虾庄")
    template(
        zigui,
        hubei=(1000, "8.00", "2.00", "99.00"),
        neighbours=(1000, "10.00", "2.00", "99.00"),
        mainland=(1000, "12.00", "3.00", "99.00"),
        remote=(1000, "20.00", "5.00", None),
    )
    template(qianjiang)
    oranges = ProductFactory(
        vendor=zigui, name_en="Zigui oranges", price=Decimal("30.00"), net_weight_g=3000
    )
    crayfish = ProductFactory(
        vendor=qianjiang, name_en="Qianjiang crayfish", price=Decimal("98.00"), net_weight_g=3000
    )
    cold_chain(crayfish, fee="25.00")
    return oranges, crayfish


def fill_cart(client, *items):
    for product, quantity in items:
        client.post(reverse("orders:cart_add", args=[product.pk]), {"quantity": quantity})


def hidden(html, name):
    return re.search(rf'name="{name}" value="([^"]*)"', html)[1]


def form_of(html, address):
    return {
        "address": address.pk,
        "payment_method": "cod",
        "idempotency_key": hidden(html, "idempotency_key"),
        "expected_total": hidden(html, "expected_total"),
        "expected_shipping": hidden(html, "expected_shipping"),
        "quoted_address": hidden(html, "quoted_address"),
    }


def test_the_page_shows_each_parts_fee_to_the_default_address(client, shops):
    oranges, crayfish = shops
    fill_cart(client, (oranges, 1), (crayfish, 1))

    html = client.get(CHECKOUT, **EN).content.decode()

    assert "Shipping ¥12.00" in html  # 3 kg to Hubei: ¥8 + 2 × ¥2
    assert "Buy ¥69.00 more for free shipping" in html
    assert "Shipping ¥25.00" in html and "Cold chain" in html
    assert "(to Hubei)" in html
    assert (hidden(html, "expected_total"), hidden(html, "expected_shipping")) == (
        "165.00",  # goods ¥128 + shipping ¥37
        "37.00",
    )
    assert "¥165.00" in html


def test_choosing_another_address_with_htmx_swaps_the_summary_with_its_fees(client, shops, urumqi):
    oranges, crayfish = shops
    fill_cart(client, (oranges, 1))

    html = client.get(CHECKOUT, {"address": urumqi.pk}, **HTMX).content.decode()

    assert "<html" not in html and 'id="checkout-summary"' in html
    assert "Shipping ¥30.00" in html  # 3 kg to a remote region: ¥20 + 2 × ¥5
    assert (hidden(html, "expected_total"), hidden(html, "expected_shipping")) == (
        "60.00",
        "30.00",
    )


def test_the_update_shipping_button_recomputes_without_placing(client, shops, urumqi):
    oranges, _crayfish = shops
    fill_cart(client, (oranges, 1))
    page = client.get(CHECKOUT, **EN).content.decode()

    response = client.post(CHECKOUT, {**form_of(page, urumqi), "update_shipping": "1"}, **EN)

    html = response.content.decode()
    assert response.status_code == 200 and not Order.objects.exists()
    assert "Shipping ¥30.00" in html
    assert re.search(rf'value="{urumqi.pk}"[^>]*checked', html)
    assert hidden(html, "expected_shipping") == "30.00"
    assert hidden(html, "idempotency_key") == hidden(page, "idempotency_key")

    placed = client.post(CHECKOUT, form_of(html, urumqi), **EN)

    order = Order.objects.get()
    assert placed["Location"] == reverse("orders:detail", args=[order.number])
    assert (order.shipping_fee, order.total) == (Decimal("30.00"), Decimal("60.00"))
    assert order.address["province"] == "新疆维吾尔自治区"


@pytest.mark.parametrize("asked", ["another", "abc", "nul"])
def test_an_address_not_the_shoppers_is_refused(client, shops, django_user_model, asked):
    oranges, _crayfish = shops
    fill_cart(client, (oranges, 1))
    theirs = AddressFactory(user=django_user_model.objects.create_user("other"))
    value = {"another": theirs.pk, "nul": f"{theirs.pk}\x00"}.get(asked, asked)

    by_htmx = client.get(CHECKOUT, {"address": value}, **HTMX)
    by_button = client.post(
        CHECKOUT, {"address": value, "payment_method": "cod", "update_shipping": "1"}, **EN
    )

    for response in (by_htmx, by_button):
        html = response.content.decode()
        assert response.status_code == 200
        assert "Select a valid choice." in html
        assert "Shipping ¥12.00" in html  # still the default address's
    assert not Order.objects.exists()


def test_items_not_delivered_are_named_and_the_order_cannot_be_placed(client, shops, urumqi):
    oranges, crayfish = shops
    fill_cart(client, (oranges, 1), (crayfish, 1))

    html = client.get(CHECKOUT, {"address": urumqi.pk}, **EN).content.decode()

    assert "Not delivered to Xinjiang:" in html
    assert "<strong>Qianjiang crayfish</strong>" in html
    assert re.search(r"<button type=\"submit\" class=\"button\" disabled>Place order", html)

    refused = client.post(CHECKOUT, form_of(html, urumqi), **EN).content.decode()

    assert "“Qianjiang crayfish” is not delivered to Xinjiang." in refused
    assert not Order.objects.exists()


def test_fees_edited_while_the_page_was_open_are_shown_again_and_then_accepted(
    client, shops, wuhan
):
    oranges, _crayfish = shops
    fill_cart(client, (oranges, 1))
    page = client.get(CHECKOUT, **EN).content.decode()
    set_first_fee(oranges.vendor.freight_templates.get(), "10.00")  # the shop edits it

    refused = client.post(CHECKOUT, form_of(page, wuhan), **EN).content.decode()

    assert "Shipping fees changed since you opened this page" in refused
    assert "Nothing was ordered or charged" in refused
    assert "Shipping ¥14.00" in refused and hidden(refused, "expected_shipping") == "14.00"
    assert hidden(refused, "idempotency_key") != hidden(page, "idempotency_key")
    assert not Order.objects.exists()

    client.post(CHECKOUT, form_of(refused, wuhan), **EN)

    assert Order.objects.get().shipping_fee == Decimal("14.00")


def test_the_buy_now_checkout_charges_the_items_shipping(client, shops, urumqi):
    oranges, _crayfish = shops
    checkout = client.post(reverse("orders:buy_now", args=[oranges.pk]), {"quantity": 2})
    url = checkout["Location"]

    html = client.get(url, **EN).content.decode()
    assert "Shipping ¥18.00" in html  # 6 kg to Hubei: ¥8 + 5 × ¥2
    remote = client.get(url, {"address": urumqi.pk}, **HTMX).content.decode()
    assert "Shipping ¥45.00" in remote  # ¥20 + 5 × ¥5
    form = {
        "address": urumqi.pk,
        "payment_method": "cod",
        "expected_total": hidden(remote, "expected_total"),
        "expected_shipping": hidden(remote, "expected_shipping"),
    }

    client.post(url, form, **EN)

    order = Order.objects.get()
    assert (order.shipping_fee, order.total) == (Decimal("45.00"), Decimal("105.00"))


@pytest.mark.parametrize("shops_in_cart", [1, 5])
def test_the_checkout_page_with_fees_runs_the_same_queries_for_one_or_five_shops(
    client, wuhan, session_reads, django_assert_num_queries, shops_in_cart
):
    for _ in range(shops_in_cart):
        vendor = VendorFactory()
        template(vendor)
        product = ProductFactory(vendor=vendor, net_weight_g=1500)
        cold_chain(product)
        fill_cart(client, (product, 1))

    # session, user, cart, items with products, photos, visibility, the address book
    # (once), the promotion schedule (one query: none runs), and the freight templates
    # (1: the rates with their templates; each product's own template id comes with the
    # cart's items)
    with django_assert_num_queries(8 + session_reads):
        html = client.get(CHECKOUT, **EN).content.decode()
    assert html.count("Shipping ¥25.00") == shops_in_cart
    # the summary for the address asked: the asked address too
    with django_assert_num_queries(9 + session_reads):
        client.get(CHECKOUT, {"address": wuhan.pk}, **HTMX)


def test_htmx_asking_for_the_summary_of_an_emptied_cart_goes_to_the_cart(client, wuhan):
    response = client.get(CHECKOUT, {"address": wuhan.pk}, **HTMX)

    assert response["HX-Redirect"] == reverse("orders:cart")


def test_the_update_shipping_button_keeps_the_payment_chosen(client, shops, urumqi):
    oranges, _crayfish = shops
    fill_cart(client, (oranges, 1))
    page = client.get(CHECKOUT, **EN).content.decode()
    asked = client.get(CHECKOUT, {"address": urumqi.pk}, **EN).content.decode()

    html = client.post(
        CHECKOUT,
        {**form_of(page, urumqi), "payment_method": "bank_transfer", "update_shipping": "1"},
        **EN,
    ).content.decode()

    assert re.search(r'value="bank_transfer"[^>]*checked', html)
    assert re.search(r'value="cod"[^>]*checked', asked)  # the default, with no choice posted


def test_another_address_placed_without_updating_shows_its_fees_first(client, shops, urumqi):
    """Without JavaScript, a shopper picks another address and presses Place order at
    once: the page showed the first address's fees, so it shows the chosen one's and
    says so (not that a shop changed its prices); the next press places the order."""
    oranges, _crayfish = shops
    fill_cart(client, (oranges, 1))
    page = client.get(CHECKOUT, **EN).content.decode()
    assert hidden(page, "expected_shipping") == "12.00"  # Wuhan's: ¥8 + 2 kg at ¥2

    refused = client.post(CHECKOUT, form_of(page, urumqi), **EN).content.decode()

    assert not Order.objects.exists()
    assert "The shipping is now shown for the address you chose." in refused
    assert "checkout-problems" not in refused  # nothing is wrong: no error box
    assert hidden(refused, "expected_shipping") == "30.00"
    assert hidden(refused, "quoted_address") == str(urumqi.pk)

    client.post(CHECKOUT, form_of(refused, urumqi), **EN)

    assert Order.objects.get().shipping_fee == Decimal("30.00")


def test_a_form_shown_again_with_a_mistake_posts_the_fees_it_shows(client, shops, wuhan):
    oranges, _crayfish = shops
    fill_cart(client, (oranges, 1))
    page = client.get(CHECKOUT, **EN).content.decode()
    stale = {**form_of(page, wuhan), "expected_shipping": "1.00", "payment_method": "barter"}

    again = client.post(CHECKOUT, stale, **EN).content.decode()

    assert not Order.objects.exists()
    assert hidden(again, "expected_shipping") == "12.00"

"""A shopper on a phone sees how many of each product have sold (已售) on the cards, and
the figure moves when somebody buys, although the listing is a cached page."""

import uuid
from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import Product
from orders import services
from orders.models import Cart, Order
from tests.browser.helpers import phone_context
from tests.factories import AddressFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_cards_show_units_sold_and_a_purchase_moves_them(
    browser, live_server, django_user_model, screenshot
):
    call_command("seed_demo", products=12, no_progress=True, stdout=StringIO())
    oranges = (
        Product.objects.visible()
        .filter(category__slug="citrus", stock__gt=5)
        .order_by("pk")
        .first()
    )
    Product.objects.filter(pk=oranges.pk).update(units_sold=98)
    page = phone_context(browser).new_page()
    page.set_default_timeout(15_000)
    card = page.locator(".card", has=page.locator(f"a[href='{oranges.get_absolute_url()}']"))

    page.goto(f"{live_server.url}/products/")  # rendered, then cached
    assert card.locator(".rating-sold").inner_text() == "已售 98"

    shopper = django_user_model.objects.create_user("xiaoming")
    cart = Cart.objects.create(user=shopper)
    services.add_to_cart(cart, oranges, 2)
    services.place_order(
        cart,
        shopper=shopper,
        address=AddressFactory(user=shopper),
        payment_method=Order.PaymentMethod.CASH_ON_DELIVERY,
        idempotency_key=uuid.uuid4().hex,
    )
    page.goto(f"{live_server.url}/products/")

    assert card.locator(".rating-sold").inner_text() == "已售 100+"
    screenshot(page, "units-sold-cards-phone-zh")

"""What a checkout does to the cached catalog pages: a page saying "in stock" stays
cached (a busy flash sale must not make every shopper's page render again), and one
that must change (only a few left, sold out, a flash sale's last units) changes at once."""

import uuid
from decimal import Decimal

import pytest
from django.test import Client

from catalog.models import Product, Promotion
from catalog.page_cache import catalog_revision
from catalog.revision import LISTINGS_KEY, current_tokens, product_key
from orders import services
from orders.models import Cart, Order
from tests.factories import AddressFactory, ProductFactory, running_promotion

pytestmark = pytest.mark.django_db


def buy(django_user_model, product, quantity):
    shopper = django_user_model.objects.create_user(f"buyer-{uuid.uuid4().hex[:8]}")
    address = AddressFactory(user=shopper)
    cart = Cart.objects.create(user=shopper)
    services.add_to_cart(cart, product, quantity)
    return services.place_order(
        cart,
        shopper=shopper,
        address=address,
        payment_method=Order.PaymentMethod.CASH_ON_DELIVERY,
        idempotency_key=uuid.uuid4().hex,
    )


@pytest.fixture
def shopper_page():
    """What a shopper who is not signed in sees on a page (served from the cache)."""
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    return lambda url: english.get(url).content.decode()


def test_the_product_page_says_in_stock_then_how_many_are_left_then_sold_out(shopper_page):
    plenty = ProductFactory(stock=Product.FEW_LEFT + 1)
    few = ProductFactory(stock=3)
    none = ProductFactory(stock=0)

    assert "In stock" in shopper_page(plenty.get_absolute_url())
    assert "Only 3 left" in shopper_page(few.get_absolute_url())
    assert "Sold out" in shopper_page(none.get_absolute_url())
    chinese = Client().get(few.get_absolute_url()).content.decode()
    assert "仅剩 3 件" in chinese


def test_a_checkout_leaving_plenty_keeps_the_cached_pages(django_user_model, shopper_page):
    product = ProductFactory(stock=50, units_sold=150)  # "100+ sold" before and after
    assert "In stock" in shopper_page(product.get_absolute_url())
    revision = catalog_revision()

    buy(django_user_model, product, 2)

    assert catalog_revision() == revision  # nothing a shopper sees changed
    assert "In stock" in shopper_page(product.get_absolute_url())


def test_a_checkout_down_to_the_last_few_shows_at_once(django_user_model, shopper_page):
    product = ProductFactory(stock=Product.FEW_LEFT + 2)
    assert "In stock" in shopper_page(product.get_absolute_url())

    buy(django_user_model, product, 3)

    assert f"Only {Product.FEW_LEFT - 1} left" in shopper_page(product.get_absolute_url())
    buy(django_user_model, product, 1)  # from there on every sale shows
    assert f"Only {Product.FEW_LEFT - 2} left" in shopper_page(product.get_absolute_url())


def test_the_last_unit_sold_shows_sold_out_on_every_page(django_user_model, shopper_page):
    product = ProductFactory(stock=1)
    assert "Sold out" not in shopper_page("/products/")

    buy(django_user_model, product, 1)

    assert "Sold out" in shopper_page("/products/")
    assert "Sold out" in shopper_page(product.get_absolute_url())


def test_a_flash_sale_refreshes_the_pages_only_for_its_last_units(django_user_model, shopper_page):
    product = ProductFactory(price=Decimal("50.00"), stock=500, units_sold=150)  # 100+ sold
    flash = running_promotion(product, value="20", units_cap=Product.FEW_LEFT + 5)
    assert "¥40.00" in shopper_page(product.get_absolute_url())
    revision = catalog_revision()

    buy(django_user_model, product, 2)  # 13 of the sale's units left
    assert catalog_revision() == revision

    buy(django_user_model, product, 3)  # 10 left: its last units
    assert catalog_revision() != revision

    buy(django_user_model, product, Product.FEW_LEFT)  # the sale is over
    flash.refresh_from_db()
    assert flash.units_sold == flash.units_cap
    page = shopper_page(product.get_absolute_url())
    assert "¥50.00" in page and "¥40.00" not in page


def test_the_cart_prices_a_flash_sale_by_its_units_left_now(django_user_model):
    """Other shoppers' checkouts leave the cached schedule's count behind (they refresh
    it only for the sale's last units); the cart and checkout read what is left."""
    product = ProductFactory(price=Decimal("50.00"), stock=500)
    flash = running_promotion(product, value="20", units_cap=100)
    buy(django_user_model, product, 1)  # the schedule is cached with 1 sold
    Promotion.objects.filter(pk=flash.pk).update(units_sold=80)  # others bought 79 more

    order = buy(django_user_model, product, 30)  # more than the 20 left

    lines = order.parts.get().lines.order_by("pk")
    assert list(lines.values_list("quantity", "unit_price", "promotion_id")) == [
        (20, Decimal("40.00"), flash.pk),
        (10, Decimal("50.00"), None),
    ]
    flash.refresh_from_db()
    assert flash.units_sold == 100


def test_stock_is_taken_the_same_without_returning(django_user_model, monkeypatch):
    """SQLite before 3.35 has no UPDATE … RETURNING: the ORM path takes the same stock
    and refreshes the pages the same way: only the product now down to a few, and no
    listing (nothing sold out)."""
    monkeypatch.setattr("orders.locks._update_can_return", lambda: False)
    plenty = ProductFactory(stock=50, units_sold=150)  # "100+ sold" before and after
    few = ProductFactory(stock=Product.FEW_LEFT + 1)
    keys = [product_key(plenty.pk), product_key(few.pk), LISTINGS_KEY]
    tokens = current_tokens(keys)

    buy(django_user_model, plenty, 2)
    assert current_tokens(keys) == tokens
    buy(django_user_model, few, 1)
    after = current_tokens(keys)
    assert [after[key] == tokens[key] for key in keys] == [True, False, True]
    assert [p.stock for p in Product.objects.filter(pk__in=[plenty.pk, few.pk]).order_by("pk")] == [
        48,
        Product.FEW_LEFT,
    ]

"""The shoppers' promotion allowances recounted from their orders (orders migration 0024
fills them so, and the `recount_promotion_allowances` command again after a deploy)."""

import uuid
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from catalog.promotions.models import PromotionAllowance
from orders import promotion_allowances
from orders import services as orders
from orders.models import Cart, CartItem
from tests.factories import AddressFactory, ProductFactory, running_promotion

pytestmark = pytest.mark.django_db


def _shopper(django_user_model):
    user = django_user_model.objects.create_user(f"buyer-{uuid.uuid4().hex[:8]}")
    AddressFactory(user=user, is_default=True)
    Cart.objects.create(user=user)
    return user


def _buy(user, product, quantity):
    CartItem.objects.update_or_create(
        cart=user.cart, product=product, defaults={"quantity": quantity}
    )
    return orders.place_order(
        None,
        shopper=user,
        address=user.addresses.get(),
        payment_method="cod",
        idempotency_key=uuid.uuid4().hex,
    )


def test_the_command_recounts_the_allowances_from_the_orders_not_cancelled(
    django_user_model, monkeypatch
):
    product = ProductFactory(price=Decimal("50.00"), stock=30)
    limited = running_promotion(product, kind="special_price", value="30.00", per_shopper_limit=5)
    counted, missed, cancelled = (_shopper(django_user_model) for _ in range(3))
    _buy(counted, product, 2)
    _buy(missed, product, 3)
    orders.cancel_order(_buy(cancelled, product, 1), by=cancelled)
    # As after a deploy: one allowance miscounted, one never written by an old process.
    PromotionAllowance.objects.filter(shopper=counted).update(units_used=4)
    PromotionAllowance.objects.filter(shopper=missed).delete()
    monkeypatch.setattr(promotion_allowances, "BATCH", 1)  # a batch per shopper
    out = StringIO()

    call_command("recount_promotion_allowances", stdout=out)
    call_command("recount_promotion_allowances", stdout=out)  # again: a recount

    assert sorted(
        PromotionAllowance.objects.values_list("promotion", "shopper", "units_used")
    ) == sorted(
        [(limited.pk, counted.pk, 2), (limited.pk, missed.pk, 3), (limited.pk, cancelled.pk, 0)]
    )
    assert out.getvalue() == "Recounted 3 promotion allowances.\n" * 2

"""A shopper's allowance under parallel checkouts, without the lock on the shopper's row
that checkout takes (catalog/promotions/checkout.py `_allowances(..., lock_shopper)`):
the conditional UPDATE in `_take_allowance` alone must hold the limit."""

import time
import uuid
from decimal import Decimal
from functools import partial
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.promotions import checkout as promotions
from catalog.promotions.models import PromotionAllowance
from catalog.promotions.pricing import schedule_at
from tests.factories import ProductFactory, running_promotion
from tests.support.races import all_at_once

pytestmark = pytest.mark.django_db
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
needs_postgres = pytest.mark.skipif(
    not ON_POSTGRES,
    reason="parallel transactions need PostgreSQL (SQLite's test database is in memory)",
)
HOLD = 0.3  # seconds each checkout keeps its transaction open after taking its units


def limited_promotion(limit, **fields):
    product = ProductFactory(price=Decimal("50.00"), stock=100)
    promotion = running_promotion(
        product, kind="special_price", value="30.00", per_shopper_limit=limit, **fields
    )
    scheduled = next(p for p in schedule_at(timezone.now()) if p.pk == promotion.pk)
    return promotion, scheduled


def shopper(django_user_model):
    return django_user_model.objects.create_user(f"buyer-{uuid.uuid4().hex[:8]}")


def checkout(take):
    """`take()` in a transaction kept open a moment, as a checkout's is, so that the others
    run while it has not committed; rolled back when refused, as place_order does."""
    with transaction.atomic():
        outcome = take()
        refused = outcome is False or getattr(outcome, "problems", None)
        time.sleep(HOLD)
        if refused:
            transaction.set_rollback(True)
    return outcome


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_takes_of_one_shopper_without_the_lock_never_pass_the_limit(django_user_model):
    promotion, scheduled = limited_promotion(3)
    user = shopper(django_user_model)
    PromotionAllowance.objects.create(promotion=promotion, shopper=user, units_used=0)
    line = SimpleNamespace(scheduled_promotion=scheduled, quantity=1, display_name="蛋")

    outcomes = all_at_once(
        [
            partial(checkout, partial(promotions.take_promotion_units, [line], user.pk))
            for _ in range(6)
        ]
    )

    problems = [[p.code for p in outcome.problems] for outcome in outcomes]
    assert sorted(problems) == [[]] * 3 + [["prices_changed"]] * 3
    assert PromotionAllowance.objects.get(promotion=promotion, shopper=user).units_used == 3


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_first_takes_meet_on_the_new_row_and_still_hold_the_limit(django_user_model):
    # No row yet: each tries to create it; the ones that lose the race (IntegrityError)
    # update the winner's row under the limit instead.
    promotion, _ = limited_promotion(2)
    user = shopper(django_user_model)
    take = partial(promotions._take_allowance, promotion.pk, user.pk, 1, 2)

    outcomes = all_at_once([partial(checkout, take) for _ in range(3)])

    assert sorted(outcomes) == [False, True, True]
    assert list(PromotionAllowance.objects.values_list("shopper", "units_used")) == [(user.pk, 2)]


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_takes_at_once_both_count(django_user_model):
    promotion, _ = limited_promotion(None)  # no limit: counted all the same
    user = shopper(django_user_model)
    take = partial(promotions._take_allowance, promotion.pk, user.pk, 2, None)

    outcomes = all_at_once([partial(checkout, take) for _ in range(2)])

    assert outcomes == [True, True]
    assert list(PromotionAllowance.objects.values_list("shopper", "units_used")) == [(user.pk, 4)]


def test_a_first_take_of_more_units_than_the_limit_is_refused_and_creates_no_row(
    django_user_model,
):
    promotion, scheduled = limited_promotion(2)
    user = shopper(django_user_model)
    line = SimpleNamespace(scheduled_promotion=scheduled, quantity=3, display_name="蛋")

    assert promotions._take_allowance(promotion.pk, user.pk, 3, 2) is False
    taken = promotions.take_promotion_units([line], user.pk)

    assert [p.code for p in taken.problems] == ["prices_changed"]
    assert not PromotionAllowance.objects.exists()


def test_a_refused_allowance_counts_no_flash_sale_units(django_user_model):
    promotion, scheduled = limited_promotion(2)
    flash = running_promotion(ProductFactory(stock=100), units_cap=10)
    flash_scheduled = next(p for p in schedule_at(timezone.now()) if p.pk == flash.pk)
    user = shopper(django_user_model)
    PromotionAllowance.objects.create(promotion=promotion, shopper=user, units_used=2)
    lines = [
        SimpleNamespace(scheduled_promotion=scheduled, quantity=1, display_name="蛋"),
        SimpleNamespace(scheduled_promotion=flash_scheduled, quantity=1, display_name="茶"),
    ]

    taken = promotions.take_promotion_units(lines, user.pk)

    assert [p.code for p in taken.problems] == ["prices_changed"]
    assert taken.shown_changed is True
    flash.refresh_from_db()
    assert flash.units_sold == 0
    assert PromotionAllowance.objects.get(promotion=promotion, shopper=user).units_used == 2

"""Staff's writes to promotions (save, duplicate) as services, and the shoppers'
allowances under a per-shopper limit, counted like a flash sale's units."""

import threading
import uuid
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models.signals import pre_save
from django.urls import reverse
from django.utils import timezone

from catalog.models import Promotion
from catalog.promotions import checkout as promotions
from catalog.promotions.models import PromotionAllowance
from catalog.promotions.pricing import schedule_at
from catalog.promotions.services import duplicate_promotion, save_promotion
from orders import promotion_allowances as allowances_module
from orders import services as orders
from orders.models import Cart, CartItem, OrderLine
from tests.factories import AddressFactory, ProductFactory, running_promotion

pytestmark = pytest.mark.django_db
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
CATALOG_ALLOWANCES = ("catalog", "0011_promotion_allowances")
BEFORE_ALLOWANCES = [("orders", "0023_sales_channel_drop_stream"), CATALOG_ALLOWANCES]
ALLOWANCES = [("orders", "0024_promotion_allowances"), CATALOG_ALLOWANCES]


def shopper(django_user_model):
    user = django_user_model.objects.create_user(f"buyer-{uuid.uuid4().hex[:8]}")
    AddressFactory(user=user, is_default=True)
    Cart.objects.create(user=user)
    return user


def buy(user, product, quantity):
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


def test_saving_a_promotion_in_the_admin_keeps_the_units_a_checkout_took_after_the_form_opened(
    staff_client, django_user_model
):
    product = ProductFactory(price=Decimal("50.00"), stock=20)
    flash = running_promotion(product, units_cap=10)
    buyer = shopper(django_user_model)
    url = reverse("admin:catalog_promotion_change", args=[flash.pk])
    opened = staff_client.get(url).context["adminform"].form  # staff open the form
    data = {
        name: "" if value is None else value
        for name, value in opened.initial.items()
        if name in opened.fields and name not in ("starts_at", "ends_at", "banner", "products")
    }
    for moment in ("starts_at", "ends_at"):
        local = timezone.localtime(getattr(flash, moment))
        data[f"{moment}_0"] = local.strftime("%Y-%m-%d")
        data[f"{moment}_1"] = local.strftime("%H:%M:%S.%f")
    bought = []

    def checkout_while_saving(sender, instance, **kwargs):
        # A shopper's checkout takes 3 units after the admin read the promotion it saves.
        if not bought:
            bought.append(buy(buyer, product, 3))

    pre_save.connect(checkout_while_saving, sender=Promotion)
    try:
        response = staff_client.post(url, {**data, "products": [product.pk], "name": "新名字"})
    finally:
        pre_save.disconnect(checkout_while_saving, sender=Promotion)

    flash.refresh_from_db()
    assert (response.status_code, len(bought)) == (302, 1)
    assert (flash.name, flash.units_sold, flash.units_cap) == ("新名字", 3, 10)


def test_save_promotion_writes_what_staff_changed_and_never_the_counters(django_user_model):
    product = ProductFactory()
    flash = running_promotion(product, units_cap=10)
    stale = Promotion.objects.get(pk=flash.pk)
    Promotion.objects.filter(pk=flash.pk).update(units_sold=4, name_en="Sold meanwhile")
    stale.name, stale.units_sold = "新名字", 0

    save_promotion(stale, by=None, changed_fields=["name"])

    flash.refresh_from_db()
    assert (flash.name, flash.name_en, flash.units_sold) == ("新名字", "Sold meanwhile", 4)


def test_save_promotion_sets_its_scope_and_reprices_the_listings(
    django_capture_on_commit_callbacks,
):
    tea, eggs = ProductFactory(price=Decimal("40.00")), ProductFactory(price=Decimal("40.00"))
    promotion = Promotion(
        name="端午",
        slug="duanwu",
        kind="percent_off",
        value=Decimal("25"),
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(hours=1),
    )

    with django_capture_on_commit_callbacks(execute=True):
        save_promotion(promotion, by=None, scopes={"products": [eggs]})

    eggs.refresh_from_db()
    tea.refresh_from_db()
    assert list(promotion.products.all()) == [eggs]
    assert (eggs.promoted_price, tea.promoted_price) == (Decimal("30.00"), None)


def test_duplicate_promotion_schedules_a_copy_right_after_with_its_scope_and_no_units_sold():
    product = ProductFactory()
    flash = running_promotion(product, units_cap=10, slug="flash")
    Promotion.objects.filter(pk=flash.pk).update(units_sold=7)
    flash.refresh_from_db()

    copy = duplicate_promotion(flash, by=None)

    assert (copy.slug, copy.name, copy.units_sold, copy.units_cap) == (
        "flash-copy",
        "限时促销（副本）",
        0,
        10,
    )
    assert (copy.starts_at, copy.ends_at - copy.starts_at) == (
        flash.ends_at,
        flash.ends_at - flash.starts_at,
    )
    assert list(copy.products.all()) == [product]
    assert duplicate_promotion(flash, by=None).slug == "flash-copy-2"


def test_an_allowance_counts_the_discounted_units_and_cancelling_gives_them_back(
    django_user_model,
):
    product = ProductFactory(price=Decimal("50.00"), stock=20)
    limited = running_promotion(product, kind="special_price", value="30.00", per_shopper_limit=2)
    user = shopper(django_user_model)

    order = buy(user, product, 3)  # 2 at the limited price, 1 at the list price

    allowance = PromotionAllowance.objects.get(promotion=limited, shopper=user)
    assert allowance.units_used == 2
    orders.cancel_order(order, by=user)
    allowance.refresh_from_db()
    assert allowance.units_used == 0


def test_an_allowance_refuses_units_past_the_limit_and_counts_nothing(django_user_model):
    product = ProductFactory(price=Decimal("50.00"), stock=20)
    limited = running_promotion(product, kind="special_price", value="30.00", per_shopper_limit=2)
    user = shopper(django_user_model)
    PromotionAllowance.objects.create(promotion=limited, shopper=user, units_used=1)
    scheduled = next(p for p in schedule_at(timezone.now()) if p.pk == limited.pk)
    priced_before = [SimpleNamespace(scheduled_promotion=scheduled, quantity=2, display_name="蛋")]

    taken = promotions.take_promotion_units(priced_before, user.pk)

    assert [p.code for p in taken.problems] == ["prices_changed"]
    assert PromotionAllowance.objects.get(promotion=limited, shopper=user).units_used == 1


def _migrate(target):
    """Migrate the test database to `target` ([(app, migration)]; None: every leaf) and
    return the historical models there."""
    executor = MigrationExecutor(connection)
    executor.migrate(target or executor.loader.graph.leaf_nodes())
    executor.loader.build_graph()
    return executor.loader.project_state(target or executor.loader.graph.leaf_nodes()).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_allowances_from_the_orders_not_cancelled(
    django_user_model, monkeypatch
):
    product = ProductFactory(price=Decimal("50.00"), stock=20)
    limited = running_promotion(product, kind="special_price", value="30.00", per_shopper_limit=5)
    user = shopper(django_user_model)
    buy(user, product, 2)
    orders.cancel_order(buy(user, product, 1), by=user)
    monkeypatch.setattr(allowances_module, "BATCH", 1)  # a batch per shopper
    try:
        # Back: as before the allowances existed (the reverse empties the table).
        emptied = _migrate(BEFORE_ALLOWANCES).get_model("catalog", "PromotionAllowance")
        assert emptied.objects.count() == 0
        filled = _migrate(ALLOWANCES).get_model("catalog", "PromotionAllowance")
        allowances = list(filled.objects.values_list("promotion", "shopper", "units_used"))
    finally:
        _migrate(None)

    assert allowances == [(limited.pk, user.pk, 2)]
    assert OrderLine.objects.filter(promotion=limited).count() == 2


@pytest.mark.skipif(not ON_POSTGRES, reason="real parallel checkouts need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_parallel_checkouts_of_one_shopper_never_pass_the_limit(django_user_model):
    product = ProductFactory(price=Decimal("50.00"), stock=100)
    limited = running_promotion(product, kind="special_price", value="30.00", per_shopper_limit=2)
    user = shopper(django_user_model)
    cache.clear()
    start, results = threading.Barrier(6), []

    def window():
        try:
            start.wait()
            results.append(
                orders.place_order(
                    None,
                    shopper=user,
                    address=user.addresses.get(),
                    payment_method="cod",
                    idempotency_key=uuid.uuid4().hex,
                    items=[CartItem(product=product, quantity=2)],
                )
            )
        except orders.CheckoutProblem as problem:
            results.append(problem.messages)
        finally:
            connection.close()

    threads = [threading.Thread(target=window) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    discounted = OrderLine.objects.filter(promotion=limited)
    assert sum(line.quantity for line in discounted) == 2
    assert PromotionAllowance.objects.get(promotion=limited, shopper=user).units_used == 2
    assert len(results) == 6

"""The impact board's rollups equal the orders: placing, paying, shipping part of an order,
a shop cancelling its part, a shopper cancelling, orders from a livestream, and the
periodic rebuild."""

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial

import pytest
import time_machine
from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone

from catalog.models import Category, County
from livestream.channels import stream_page
from livestream.models import FeaturedProduct, LiveStream
from orders import services
from orders.impact import rollups as impact
from orders.impact.models import DailySales, Dimension
from orders.models import Cart, Order, OrderLine, OrderPart
from tests.factories import (
    AddressFactory,
    CategoryFactory,
    CountyFactory,
    ProductFactory,
    UserFactory,
    VendorFactory,
)
from tests.support.races import all_at_once

pytestmark = pytest.mark.django_db
SHANGHAI = timezone.get_fixed_timezone(8 * 60)


def buyer(django_user_model):
    user = UserFactory(username=f"buyer-{uuid.uuid4().hex[:8]}")
    return user, AddressFactory(user=user)


def order(django_user_model, *items, payment="cod", stream=None):
    """Place an order of (product, quantity) pairs through the real checkout."""
    user, address = buyer(django_user_model)
    cart = Cart.objects.create(user=user)
    for product, quantity in items:
        services.add_to_cart(cart, product, quantity, bought_from=stream_page(stream))
    return services.place_order(
        cart,
        shopper=user,
        address=address,
        payment_method=payment,
        idempotency_key=uuid.uuid4().hex,
    )


def rollups():
    """{(dimension, key): measures} of every row that is not all zeros."""
    return {
        (row.dimension, row.key): tuple(getattr(row, m) for m in impact.MEASURES)
        for row in DailySales.objects.all()
        if any(getattr(row, m) for m in impact.MEASURES)
    }


def expected_from_the_orders():
    """The same figures computed straight from the order lines, the slow way."""
    lines = OrderLine.objects.filter(
        part__order__status__in=[Order.Status.CONFIRMED, Order.Status.COMPLETED]
    ).exclude(part__status=OrderPart.Status.CANCELLED)
    stream = ~Q(channel="")
    sums = {
        "orders": Count("part__order", distinct=True),
        "units": Sum("quantity"),
        "weight": Sum("weight_g"),
        "revenue": Sum("line_total"),
        "stream_orders": Count("part__order", distinct=True, filter=stream),
        "stream_weight": Sum("weight_g", filter=stream),
        "stream_revenue": Sum("line_total", filter=stream),
    }

    def measures(row):
        return (
            row["orders"],
            row["units"],
            row["weight"],
            int(row["revenue"] * 100),
            row["stream_orders"],
            row["stream_weight"] or 0,
            int((row["stream_revenue"] or 0) * 100),
        )

    expected = {}
    store = lines.aggregate(**sums)
    if store["orders"]:
        expected[("all", 0)] = measures(store)
    for dimension, field in (
        ("category", "category_id"),
        ("county", "origin_county_id"),
        ("vendor", "part__vendor_id"),
    ):
        for row in lines.values(field).annotate(**sums).order_by():
            expected[(dimension, row[field])] = measures(row)
    return expected


@pytest.fixture
def catalog():
    """Three shops in two counties selling oranges, tea and crayfish."""
    zigui, enshi = CountyFactory(), CountyFactory()
    citrus, tea, crayfish = CategoryFactory(), CategoryFactory(), CategoryFactory()
    orchard, tea_farm, shrimp = (
        VendorFactory(county=zigui),
        VendorFactory(county=enshi),
        VendorFactory(county=zigui),
    )
    return {
        "oranges": ProductFactory(
            vendor=orchard,
            category=citrus,
            origin_county=zigui,
            price=Decimal("59.90"),
            net_weight_g=5000,
            stock=500,
        ),
        "tea": ProductFactory(
            vendor=tea_farm,
            category=tea,
            origin_county=enshi,
            price=Decimal("128.00"),
            net_weight_g=250,
            stock=500,
        ),
        "crayfish": ProductFactory(
            vendor=shrimp,
            category=crayfish,
            origin_county=zigui,
            price=Decimal("98.00"),
            net_weight_g=1500,
            stock=500,
        ),
    }


def test_the_rollups_equal_the_orders_through_every_kind_of_change(catalog, django_user_model):
    oranges, tea, crayfish = catalog["oranges"], catalog["tea"], catalog["crayfish"]
    live = LiveStream.objects.create(
        title="秭归脐橙直播",
        slug="zigui-live",
        host_name="县长",
        host_title="秭归县县长",
        county=oranges.origin_county,
        scheduled_start=timezone.now() - timedelta(hours=1),
        scheduled_end=timezone.now() + timedelta(hours=1),
        state=LiveStream.State.LIVE,
    )
    FeaturedProduct.objects.create(stream=live, product=oranges, stream_price=Decimal("49.90"))

    order(django_user_model, (oranges, 2), (tea, 1))  # two shops, cash on delivery
    order(django_user_model, (oranges, 3), stream=live)  # from the livestream
    shipped_in_part = order(django_user_model, (oranges, 1), (crayfish, 2))
    orchard_part = shipped_in_part.parts.get(vendor=oranges.vendor)
    services.ship_part(orchard_part, carrier="顺丰速运", tracking_number="SF1", by=None)
    unpaid = order(django_user_model, (tea, 4), payment="bank_transfer")
    paid = order(django_user_model, (crayfish, 1), payment="bank_transfer")
    services.confirm_payment(paid, by=None)
    cancelled = order(django_user_model, (crayfish, 5), (oranges, 1))
    services.cancel_order(cancelled, by=cancelled.shopper)
    one_shop_cannot = order(django_user_model, (tea, 2), (crayfish, 1))
    services.cancel_part(
        one_shop_cannot.parts.get(vendor=tea.vendor), reason="霜冻，茶园减产", by=None
    )

    figures = rollups()
    assert figures == expected_from_the_orders()
    # spot checks a shopper could make by hand: 5 orders count (the unpaid transfer and
    # the cancelled order do not); the tea part cancelled leaves only the first tea order
    assert figures[("all", 0)][0] == 5
    assert figures[("vendor", tea.vendor_id)][:3] == (1, 1, 250)
    assert figures[("all", 0)][4:6] == (1, 15_000)  # 3 × 5 kg from the stream
    assert unpaid.status == Order.Status.PLACED


def test_a_rebuild_gives_the_same_rows_and_repairs_drift(catalog, django_user_model):
    order(django_user_model, (catalog["oranges"], 2), (catalog["tea"], 1))
    order(django_user_model, (catalog["crayfish"], 3))
    kept = rollups()
    today = timezone.localdate()

    DailySales.objects.filter(dimension=Dimension.ALL).update(weight_g=1)  # drift
    DailySales.objects.filter(dimension=Dimension.COUNTY).delete()
    DailySales.objects.create(day=today, dimension=Dimension.VENDOR, key=999_999, orders=7)
    impact.rebuild_day(today)
    once = rollups()
    impact.rebuild_day(today)

    assert once == kept == expected_from_the_orders()
    assert rollups() == once
    assert not DailySales.objects.filter(key=999_999).exists()


def test_a_sale_counts_on_the_beijing_day_it_was_placed(catalog, django_user_model):
    late_evening = datetime(2026, 4, 1, 23, 30, tzinfo=SHANGHAI)  # 15:30 UTC
    with time_machine.travel(late_evening, tick=False):
        order(django_user_model, (catalog["oranges"], 1))
    with time_machine.travel(late_evening + timedelta(hours=1), tick=False):
        order(django_user_model, (catalog["oranges"], 2))

    days = dict(DailySales.objects.filter(dimension=Dimension.ALL).values_list("day", "units"))
    assert days == {date(2026, 4, 1): 1, date(2026, 4, 2): 2}


def test_paying_late_counts_the_order_on_the_day_it_was_placed(catalog, django_user_model):
    placed = datetime(2026, 4, 10, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(placed, tick=False):
        transfer = order(django_user_model, (catalog["tea"], 2), payment="bank_transfer")
    assert rollups() == {}

    with time_machine.travel(placed + timedelta(days=3), tick=False):
        services.confirm_payment(transfer, by=None)

    row = DailySales.objects.get(dimension=Dimension.ALL)
    assert (row.day, row.orders, row.weight_g) == (placed.date(), 1, 500)


def test_the_beat_task_rebuilds_today_and_yesterday_from_the_orders(catalog, django_user_model):
    from orders.tasks import rebuild_recent_impact_task

    order(django_user_model, (catalog["oranges"], 1))
    DailySales.objects.all().delete()

    rebuild_recent_impact_task.delay()

    assert rollups() == expected_from_the_orders()


def test_the_command_rebuilds_every_day_with_a_progress_bar(catalog, django_user_model, capsys):
    from django.core.management import call_command

    with time_machine.travel(datetime(2026, 11, 1, 12, 0, tzinfo=SHANGHAI), tick=False):
        order(django_user_model, (catalog["tea"], 1))
    order(django_user_model, (catalog["oranges"], 1))
    expected = rollups()
    DailySales.objects.all().delete()

    call_command("rebuild_impact")

    assert rollups() == expected
    captured = capsys.readouterr()
    assert "Rebuilding days" in captured.err and "Rebuilt" in captured.out


def test_lines_keep_their_category_and_county_when_the_product_is_deleted(
    catalog, django_user_model
):
    oranges = catalog["oranges"]
    placed = order(django_user_model, (oranges, 1))
    category, county = oranges.category_id, oranges.origin_county_id
    OrderLine.objects.filter(part__order=placed).update(product=None)  # as if deleted

    impact.rebuild_day(timezone.localdate())

    assert ("category", category) in rollups() and ("county", county) in rollups()
    assert Category.objects.filter(pk=category).exists()
    assert County.objects.filter(pk=county).exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real parallel buyers need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_parallel_buyers_and_a_rebuild_running_meanwhile_leave_the_figures_exact(
    catalog, django_user_model
):
    products = list(catalog.values())
    buyers = []
    for n in range(24):
        user, address = buyer(django_user_model)
        cart = Cart.objects.create(user=user)
        services.add_to_cart(cart, products[n % 3], 1 + n % 2)
        services.add_to_cart(cart, products[(n + 1) % 3], 1)
        buyers.append((user, address, cart))

    def buy(user, address, cart):
        services.place_order(
            cart,
            shopper=user,
            address=address,
            payment_method="cod",
            idempotency_key=uuid.uuid4().hex,
        )

    def rebuild_meanwhile():
        for _ in range(10):
            impact.rebuild_day(timezone.localdate())

    outcomes = all_at_once([*(partial(buy, *b) for b in buyers), rebuild_meanwhile], timeout=120)
    errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]

    assert errors == []
    assert Order.objects.count() == 24
    assert rollups() == expected_from_the_orders()


def test_a_shop_cancelling_then_payment_then_the_shopper_cancelling_stay_exact(
    catalog, django_user_model
):
    oranges, tea, crayfish = catalog["oranges"], catalog["tea"], catalog["crayfish"]
    transfer = order(
        django_user_model, (oranges, 1), (tea, 2), (crayfish, 1), payment="bank_transfer"
    )
    services.cancel_part(transfer.parts.get(vendor=tea.vendor), reason="茶园减产", by=None)
    assert rollups() == expected_from_the_orders() == {}  # not paid yet: nothing counts

    services.confirm_payment(transfer, by=None)
    assert rollups() == expected_from_the_orders()
    assert rollups()[("all", 0)][:3] == (1, 2, 6500)  # oranges and crayfish, not the tea

    services.cancel_order(transfer, by=transfer.shopper)  # the shopper drops the rest
    assert rollups() == expected_from_the_orders() == {}
    stock = {
        p.pk: p.stock
        for p in type(oranges).objects.filter(pk__in=[oranges.pk, tea.pk, crayfish.pk])
    }
    assert stock == {oranges.pk: 500, tea.pk: 500, crayfish.pk: 500}  # each given back once


def test_a_shop_cancelling_the_last_open_part_completes_a_delivered_order(
    catalog, django_user_model
):
    oranges, tea = catalog["oranges"], catalog["tea"]
    placed = order(django_user_model, (oranges, 1), (tea, 1))
    delivered = placed.parts.get(vendor=oranges.vendor)
    services.ship_part(delivered, carrier="EMS", tracking_number="E1", by=None)
    services.deliver_part(delivered, by=None)

    services.cancel_part(placed.parts.get(vendor=tea.vendor), reason="缺货", by=None)

    placed.refresh_from_db()
    assert placed.status == Order.Status.COMPLETED
    assert rollups() == expected_from_the_orders()
    assert rollups()[("all", 0)][:3] == (1, 1, 5000)


def test_a_day_whose_only_order_was_cancelled_keeps_no_rows_after_a_rebuild(
    catalog, django_user_model
):
    placed = order(django_user_model, (catalog["tea"], 1))
    services.cancel_order(placed, by=placed.shopper)

    impact.rebuild_day(timezone.localdate())

    assert not DailySales.objects.exists()

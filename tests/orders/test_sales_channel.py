"""The stream an item was bought from is a sales channel that orders owns (orders
migrations 0021-0023 carried the streams' ids over), and orders imports nothing of livestream."""

import importlib
import subprocess
import sys
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse
from django.utils import timezone

from livestream.channels import stream_page
from livestream.models import FeaturedProduct, LiveStream
from orders import services
from orders.models import Cart, CartItem, OrderLine
from tests.factories import AddressFactory, CountyFactory, ProductFactory

ROOT = Path(__file__).resolve().parents[2]
BEFORE = ("orders", "0020_order_line_price_cut")
CHANNEL = ("orders", "0023_sales_channel_drop_stream")
migration = importlib.import_module("orders.migrations.0022_sales_channel_copy")


def _migrate(target):
    """Migrate the test database to `target` ([(app, migration)]; None: every leaf)."""
    executor = MigrationExecutor(connection)
    executor.migrate(target or executor.loader.graph.leaf_nodes())
    executor.loader.build_graph()
    return executor.loader.project_state(target or executor.loader.graph.leaf_nodes()).apps


def _live_stream():
    return LiveStream.objects.create(
        title="潜江小龙虾直播间",
        slug="qianjiang-live",
        host_name="副市长",
        host_title="潜江市副市长",
        county=CountyFactory(),
        scheduled_start=timezone.now() - timedelta(hours=1),
        scheduled_end=timezone.now() + timedelta(hours=2),
        state=LiveStream.State.LIVE,
    )


def _bought(django_user_model, stream, products):
    """A cart item of each product, from the stream's page, and an order of them."""
    user = django_user_model.objects.create_user(f"fan-{uuid.uuid4().hex[:6]}")
    address = AddressFactory(user=user, city="潜江市", district="园林街道", street="1 号")
    cart = Cart.objects.create(user=user)
    for product in products:
        services.add_to_cart(cart, product, 1, bought_from=stream_page(stream))
    services.place_order(
        cart, shopper=user, address=address, payment_method="cod", idempotency_key="k" * 32
    )
    for product in products:  # the cart again, as it was before checkout
        services.add_to_cart(cart, product, 1, bought_from=stream_page(stream))


@pytest.mark.django_db(transaction=True)
def test_the_migration_carries_each_streams_attribution_over_and_back(
    django_user_model, monkeypatch
):
    stream = _live_stream()
    crayfish, rice, tea = ProductFactory(stock=9), ProductFactory(stock=9), ProductFactory(stock=9)
    for product in (crayfish, rice):
        FeaturedProduct.objects.create(stream=stream, product=product, stream_price=None)
    _bought(django_user_model, stream, [crayfish, rice, tea])  # tea: not on the stream
    lines = dict(OrderLine.objects.values_list("pk", "channel"))
    items = dict(CartItem.objects.values_list("pk", "channel"))
    monkeypatch.setattr(migration, "BATCH", 1)  # a batch per row
    try:
        old = _migrate([BEFORE])  # back: the channels become the streams' ids again
        old_lines = dict(old.get_model("orders", "OrderLine").objects.values_list("pk", "stream"))
        old_items = dict(old.get_model("orders", "CartItem").objects.values_list("pk", "stream"))

        new = _migrate([CHANNEL])  # forward again: the streams' ids become channels
        new_lines = dict(new.get_model("orders", "OrderLine").objects.values_list("pk", "channel"))
        new_items = dict(new.get_model("orders", "CartItem").objects.values_list("pk", "channel"))
    finally:
        _migrate(None)

    assert sorted(lines.values()) == ["", stream.channel, stream.channel]
    assert old_lines == {pk: stream.pk if c else None for pk, c in lines.items()}
    assert old_items == {pk: stream.pk if c else None for pk, c in items.items()}
    assert (new_lines, new_items) == (lines, items)


def test_no_orders_migration_depends_on_livestream():
    graph = MigrationLoader(None).graph  # the files only, no database
    orders = [key for key in graph.nodes if key[0] == "orders"]

    depends_on = {parent[0] for key in orders for parent in graph.node_map[key].parents} - {
        "orders"
    }

    assert "livestream" not in depends_on, depends_on


def test_lint_imports_finds_no_import_of_livestream_in_orders(tmp_path):
    """import-linter, with a contract of its own (the layers contract of pyproject.toml
    covers every app; this one only orders → livestream, direct or not)."""
    config = tmp_path / "orders-livestream.ini"
    config.write_text(
        "[importlinter]\n"
        "root_packages =\n    orders\n    livestream\n"
        "[importlinter:contract:orders-livestream]\n"
        "name = orders does not import livestream\n"
        "type = forbidden\n"
        "source_modules = orders\n"
        "forbidden_modules = livestream\n"
        "allow_indirect_imports = true\n"
    )
    lint_imports = Path(sys.executable).with_name("lint-imports")

    result = subprocess.run(
        [str(lint_imports), "--no-cache", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_order_lines_admin_names_each_lines_stream(admin_client, django_user_model):
    stream = _live_stream()
    crayfish = ProductFactory(stock=9, price=Decimal("98.00"))
    FeaturedProduct.objects.create(stream=stream, product=crayfish)
    _bought(django_user_model, stream, [crayfish])

    page = admin_client.get(reverse("admin:orders_orderline_changelist"))

    assert "潜江小龙虾直播间" in page.content.decode()


@pytest.mark.django_db
def test_the_channel_columns_are_indexed_by_migrations_that_hold_no_long_transaction():
    schema = importlib.import_module("orders.migrations.0021_sales_channel")
    with connection.cursor() as cursor:
        indexed = {
            table: [
                name
                for name, c in connection.introspection.get_constraints(cursor, table).items()
                if c["index"] and c["columns"] == ["channel"] and not name.endswith("_like")
            ]
            for table in ("orders_cartitem", "orders_orderline")
        }

    assert indexed == {
        "orders_cartitem": [schema.INDEXES["cartitem"]],
        "orders_orderline": [schema.INDEXES["orderline"]],
    }
    assert (schema.Migration.atomic, migration.Migration.atomic) == (False, False)

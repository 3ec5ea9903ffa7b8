"""The demo store shows real fees: every shop has freight templates, crayfish go by cold
chain and not to the remote regions, the demo orders' totals include their parts'
shipping, and the cards of products that ship free say so."""

import random
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Category, Product, Vendor
from demo.orders import DemoOrder, create_orders, demo_shoppers
from orders.models import Order
from orders.shipping.fees import Goods, Parcel, quote, quote_part
from orders.shipping.models import FreightRate, FreightTemplate
from orders.shipping.provinces import Group
from orders.shipping.selectors import templates_for

pytestmark = pytest.mark.django_db

# Product 34 (index 33) of the demo is the Zigui navel oranges' 10 kg box.
PRODUCTS = 40


def seed(products=PRODUCTS):
    out = StringIO()
    call_command("seed_demo", products=products, no_progress=True, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_every_demo_shop_has_one_default_template_and_crayfish_go_by_cold_chain_not_to_xinjiang():
    seed()

    vendors = list(Vendor.objects.all())
    defaults = FreightTemplate.objects.filter(is_default=True)
    assert sorted(defaults.values_list("vendor_id", flat=True)) == sorted(v.pk for v in vendors)
    assert all(template.rates.count() == 4 for template in defaults)

    crayfish = list(Product.objects.filter(category__slug="crayfish").select_related("vendor"))
    assert crayfish
    templates = templates_for(crayfish)
    two_kg = Parcel(weight_g=2000, units=1, amount=Decimal("98"))
    for product in crayfish:
        template = templates[product.pk]
        assert template.cold_chain and not template.is_default
        assert template.vendor_id == product.vendor_id
        for far in ("新疆维吾尔自治区", "西藏自治区", "海南省"):
            assert not quote(template, far, two_kg).served
        to_guangdong = quote(template, "广东省", two_kg)
        assert to_guangdong.served and to_guangdong.fee == Decimal("33")  # ¥23 + ¥10
    assert not Order.objects.filter(
        parts__cold_chain=True, address__province="新疆维吾尔自治区"
    ).exists()
    assert Order.objects.filter(parts__cold_chain=True, parts__carrier="sf").exists()


def test_a_demo_orders_total_is_its_parts_goods_and_their_quoted_shipping(settings):
    seed()

    orders = list(
        Order.objects.filter(shopper__username__startswith="demo-shopper-").prefetch_related(
            "parts__lines__product"
        )
    )
    assert len(orders) >= settings.DEMO_ORDERS
    products = {line.product for o in orders for p in o.parts.all() for line in p.lines.all()}
    templates = templates_for(products)
    for order in orders:
        parts = list(order.parts.all())
        assert order.shipping_fee == sum(p.shipping_fee for p in parts)
        assert order.total == sum(p.subtotal + p.shipping_fee for p in parts)
        for part in parts:
            goods = [
                Goods(line.product, line.quantity, line.line_total, line.weight_g)
                for line in part.lines.all()
            ]
            shipping = quote_part(goods, templates, order.address["province"])
            assert shipping.served
            assert (part.shipping_fee, part.cold_chain) == (shipping.fee, shipping.cold_chain)
    assert sum(o.shipping_fee for o in orders) > 0
    assert any(o.shipping_fee == 0 for o in orders)  # 包邮 parts too


def test_writing_more_demo_orders_reads_the_templates_once():
    seed()
    rng = random.Random(19)
    products = list(Product.objects.visible().select_related("vendor").order_by("pk"))
    shopper = demo_shoppers()[0]

    def batch(count):
        at = timezone.now() - timedelta(days=3)
        return [
            DemoOrder(at, shopper, [(p, 2, p.price, "")], "completed")
            for p in rng.choices(products, k=count)
        ]

    def reads(count):
        with CaptureQueriesContext(connection) as queries:
            create_orders(batch(count), rng)
        return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]

    # The templates (2 queries: the links, the rates with their templates) and the categories' receipt days, whatever the number of
    # orders; the writes are bulk, a few per batch.
    assert len(reads(100)) == len(reads(10)) == 3


def test_free_shipping_products_show_free_on_their_cards_and_fresh_goods_confirm_sooner():
    seed()

    box = Product.objects.select_related("vendor").get(slug="demo-000034")
    assert box.net_weight_g == 10000 and "秭归脐橙" in box.name
    assert box.ships_free is True and box.shows_free_shipping
    official = Vendor.objects.get(slug="hubei-official")
    assert official.ships_free
    assert Vendor.objects.filter(ships_free=False).exists()  # the others charge
    crayfish = Product.objects.filter(category__slug="crayfish").select_related("vendor")
    assert not any(p.shows_free_shipping for p in crayfish)
    assert all(
        p.shows_free_shipping
        for p in Product.objects.filter(vendor=official, ships_free=None).select_related("vendor")
    )

    days = dict(Category.objects.values_list("slug", "auto_confirm_days"))
    assert (days["crayfish"], days["freshwater-fish"], days["citrus"], days["eggs"]) == (
        5,
        5,
        7,
        7,
    )
    assert days["tea"] is None and days["hot-dry-noodles"] is None


def test_seeding_again_keeps_the_vendors_edits_and_links_only_new_products():
    seed()
    default = FreightTemplate.objects.get(vendor__slug="zigui-coop", is_default=True)
    FreightRate.objects.filter(template=default, group=Group.HUBEI).update(first_fee=7)
    Category.objects.filter(slug="crayfish").update(auto_confirm_days=3)

    seed(PRODUCTS + 40)

    assert default.rates.get(group=Group.HUBEI).first_fee == 7
    assert Category.objects.get(slug="crayfish").auto_confirm_days == 3
    new = list(
        Product.objects.filter(
            category__slug="tea", slug__gt=f"demo-{PRODUCTS:06d}"
        ).select_related("vendor")
    )
    assert new and all(t.name == "茶叶 轻小件" for t in templates_for(new).values())
    again = seed(PRODUCTS + 40)
    assert "Freight: 0 new templates, 0 products linked" in again

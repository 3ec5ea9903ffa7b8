"""Listings sort and filter by the price on the card (promotions included), and put
sold-out products last in every sort."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from catalog import services
from catalog.models import SHOWN_PRICE, Product, Promotion
from catalog.promotions.pricing import quote
from catalog.promotions.shown_prices import refresh_shown_prices
from catalog.promotions.tasks import sweep_promotions_task
from orders import services as order_services
from tests.factories import (
    AddressFactory,
    CartFactory,
    CartItemFactory,
    CategoryFactory,
    CountyFactory,
    ProductFactory,
    VendorFactory,
    running_promotion,
)

pytestmark = pytest.mark.django_db
START = timezone.make_aware(timezone.datetime(2026, 5, 1, 10, 0))
END = timezone.make_aware(timezone.datetime(2026, 5, 1, 12, 0))


def listing(client, url="/products/", **params):
    """(name, price on the card) of each product the page lists, in order (the page in
    Chinese: the names the products are created with)."""
    response = client.get(url, params, headers={"accept-language": "zh-hans"})
    assert response.status_code == 200
    html = response.content.decode()
    return [
        (name, Decimal(price.replace(",", "")))
        for name, price in re.findall(
            r'<h3 class="card-title">([^<]*)</h3>.*?<p class="card-price"><strong[^>]*>¥([\d,.]+)',
            html,
            re.S,
        )
    ]


def names(client, url="/products/", **params):
    return [name for name, _ in listing(client, url, **params)]


def test_high_to_low_sorts_a_promoted_product_by_its_promotion_price(client):
    ProductFactory(name="恩施玉露", price=Decimal("321.60"))
    promoted = ProductFactory(name="宜红工夫", price=Decimal("379.95"))
    running_promotion(promoted, kind="percent_off", value="20")  # ¥303.96 on the card

    assert listing(client, sort="-price") == [
        ("恩施玉露", Decimal("321.60")),
        ("宜红工夫", Decimal("303.96")),
    ]
    assert names(client, sort="price") == ["宜红工夫", "恩施玉露"]


def test_a_lowest_price_leaves_out_a_product_shown_below_it(client):
    promoted = ProductFactory(name="秭归脐橙", price=Decimal("33.15"))
    ProductFactory(name="洪湖莲藕", price=Decimal("30.00"))
    running_promotion(promoted, kind="percent_off", value="20")  # ¥26.52 on the card

    assert names(client, min_price="30") == ["洪湖莲藕"]
    assert listing(client, max_price="29.99") == [("秭归脐橙", Decimal("26.52"))]
    assert names(client, min_price="26.52", max_price="26.52") == ["秭归脐橙"]


def test_the_stored_price_agrees_with_the_card_for_every_kind_of_promotion_and_scope():
    category, county, vendor = CategoryFactory(), CountyFactory(), VendorFactory()
    prices = ["0.01", "0.99", "10.10", "12.35", "26.52", "59.90", "99.99", "303.96", "1000.05"]
    products = [ProductFactory(price=Decimal(price), category=category) for price in prices]
    products += [ProductFactory(price=Decimal(price), origin_county=county) for price in prices]
    products += [ProductFactory(price=Decimal(price), vendor=vendor) for price in prices]
    products += [ProductFactory(price=Decimal(price)) for price in prices]
    percent = running_promotion(*products[27:], kind="percent_off", value="5")  # half fen
    running_promotion(kind="percent_off", value="33").categories.add(category)
    running_promotion(kind="amount_off", value="12.35").counties.add(county)
    running_promotion(kind="special_price", value="26.52").vendors.add(vendor)
    running_promotion(*products[::2], kind="amount_off", value="1.01")
    sold_out = running_promotion(*products, kind="special_price", value="0.02", units_cap=3)
    Promotion.objects.filter(pk=sold_out.pk).update(units_sold=3)
    running_promotion(
        *products, kind="special_price", value="0.03", starts_at=timezone.now() + timedelta(hours=1)
    )  # not started yet
    assert percent.pk

    refresh_shown_prices()

    shown = dict(Product.objects.annotate(shown=SHOWN_PRICE).values_list("pk", "shown"))
    for product in Product.objects.all():
        assert shown[product.pk] == quote(product).amount, product.price
    assert len({shown[p.pk] for p in products}) > len(prices)  # the promotions do apply


def test_the_sort_follows_a_promotion_across_its_start_and_end_with_the_sweep(client):
    ProductFactory(name="洪湖莲藕", price=Decimal("35.00"))
    promoted = ProductFactory(name="潜江小龙虾", price=Decimal("40.00"))
    with time_machine.travel(START - timedelta(minutes=5), tick=False):
        running_promotion(promoted, kind="percent_off", value="20", starts_at=START, ends_at=END)
        sweep_promotions_task()
        assert listing(client, sort="price") == [
            ("洪湖莲藕", Decimal("35.00")),
            ("潜江小龙虾", Decimal("40.00")),
        ]

    with time_machine.travel(START + timedelta(seconds=1), tick=False):
        sweep_promotions_task()
        assert listing(client, sort="price") == [
            ("潜江小龙虾", Decimal("32.00")),
            ("洪湖莲藕", Decimal("35.00")),
        ]
        assert names(client, min_price="33") == ["洪湖莲藕"]

    with time_machine.travel(END + timedelta(seconds=1), tick=False):
        sweep_promotions_task()
        assert listing(client, sort="price") == [
            ("洪湖莲藕", Decimal("35.00")),
            ("潜江小龙虾", Decimal("40.00")),
        ]


def test_a_sweep_missed_while_the_worker_was_down_is_caught_up_by_the_next(client):
    ProductFactory(name="洪湖莲藕", price=Decimal("35.00"))
    promoted = ProductFactory(name="潜江小龙虾", price=Decimal("40.00"))
    with time_machine.travel(START - timedelta(minutes=5), tick=False):
        running_promotion(promoted, kind="amount_off", value="10", starts_at=START, ends_at=END)
    with time_machine.travel(START + timedelta(hours=1), tick=False):  # no sweep till now
        sweep_promotions_task()
        assert names(client, sort="price") == ["潜江小龙虾", "洪湖莲藕"]
    with time_machine.travel(END + timedelta(days=1), tick=False):
        sweep_promotions_task()
        assert names(client, sort="price") == ["洪湖莲藕", "潜江小龙虾"]


def test_a_flash_sale_selling_out_moves_its_product_back_to_its_list_price(
    client, django_user_model, django_capture_on_commit_callbacks
):
    ProductFactory(name="洪湖莲藕", price=Decimal("35.00"))
    promoted = ProductFactory(name="潜江小龙虾", price=Decimal("40.00"), stock=50)
    running_promotion(promoted, kind="special_price", value="29.90", units_cap=2)
    assert names(client, sort="price") == ["潜江小龙虾", "洪湖莲藕"]
    user = django_user_model.objects.create_user("buyer")
    address = AddressFactory(user=user)
    cart = CartFactory(user=user)
    CartItemFactory(cart=cart, product=promoted, quantity=2)

    with django_capture_on_commit_callbacks(execute=True):
        order = order_services.place_order(
            cart,
            shopper=user,
            address=address,
            payment_method="cod",
            idempotency_key=uuid.uuid4().hex,
        )
    assert listing(client, sort="price") == [
        ("洪湖莲藕", Decimal("35.00")),
        ("潜江小龙虾", Decimal("40.00")),
    ]

    with django_capture_on_commit_callbacks(execute=True):
        order_services.cancel_order(order, by=user)  # the units go back to the sale
    assert listing(client, sort="price") == [
        ("潜江小龙虾", Decimal("29.90")),
        ("洪湖莲藕", Decimal("35.00")),
    ]


def test_a_new_list_price_moves_a_promoted_product_at_once(client):
    ProductFactory(name="洪湖莲藕", price=Decimal("35.00"))
    promoted = ProductFactory(name="潜江小龙虾", price=Decimal("40.00"))
    running_promotion(promoted, kind="percent_off", value="20")
    assert names(client, sort="price") == ["潜江小龙虾", "洪湖莲藕"]  # ¥32.00

    promoted.price = Decimal("50.00")  # ¥40.00 on the card
    services.save_product(promoted, update_fields=["price"])

    assert listing(client, sort="price") == [
        ("洪湖莲藕", Decimal("35.00")),
        ("潜江小龙虾", Decimal("40.00")),
    ]


def test_staff_taking_a_product_out_of_a_promotion_moves_it_back(
    client, staff_client, django_capture_on_commit_callbacks
):
    ProductFactory(name="洪湖莲藕", price=Decimal("35.00"))
    promoted, other = ProductFactory(name="潜江小龙虾", price=Decimal("40.00")), ProductFactory()
    promotion = running_promotion(promoted, other, kind="percent_off", value="20")
    assert names(client, sort="price")[1:] == ["潜江小龙虾", "洪湖莲藕"]
    starts, ends = timezone.localtime(promotion.starts_at), timezone.localtime(promotion.ends_at)
    data = {
        "name": promotion.name,
        "name_en": "",
        "slug": promotion.slug,
        "description": "",
        "description_en": "",
        "kind": "percent_off",
        "value": "20",
        "units_cap": "",
        "per_shopper_limit": "",
        "products": [other.pk],
        "starts_at_0": starts.strftime("%Y-%m-%d"),
        "starts_at_1": starts.strftime("%H:%M:%S"),
        "ends_at_0": ends.strftime("%Y-%m-%d"),
        "ends_at_1": ends.strftime("%H:%M:%S"),
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:catalog_promotion_change", args=[promotion.pk]), data
        )
    assert response.status_code == 302

    assert listing(client, sort="price")[1:] == [
        ("洪湖莲藕", Decimal("35.00")),
        ("潜江小龙虾", Decimal("40.00")),
    ]


SORTS = ["", "newest", "price", "-price", "name"]
URLS = [
    "/products/",
    "/categories/tea/",
    "/counties/enshi/",
    "/vendors/enshi-tea/",
    "/search/",
    "/promotions/tea-week/",
]


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("url", URLS)
def test_sold_out_products_come_last_in_every_sort_on_every_listing(client, url, sort):
    made = {
        "category": CategoryFactory(slug="tea"),
        "origin_county": CountyFactory(slug="enshi"),
        "vendor": VendorFactory(slug="enshi-tea"),
    }
    in_stock = [
        ProductFactory(name="恩施玉露 A", price=Decimal("20.00"), stock=5, **made),
        ProductFactory(name="恩施玉露 C", price=Decimal("90.00"), stock=1, **made),
    ]
    # Sold out, and what would come first otherwise: the newest, the exact name searched
    # for, first by name, and the cheapest (the dearest when sorting high to low).
    sold_out = ProductFactory(
        name="恩施玉露", stock=0, **made, price=Decimal("999.00" if sort == "-price" else "0.50")
    )
    Product.objects.filter(pk=sold_out.pk).update(created_at=timezone.now() + timedelta(days=1))
    running_promotion(*in_stock, sold_out, kind="amount_off", value="0.01", slug="tea-week")
    params = {"sort": sort} if sort else {}
    if url == "/search/":
        params["q"] = "恩施玉露"

    found = names(client, url, **params)

    assert len(found) == 3
    assert found[-1] == "恩施玉露", found


@pytest.mark.parametrize("scope", ["categories", "vendors", "counties"])
def test_a_new_list_price_moves_a_product_promoted_by_its_category_shop_or_county(client, scope):
    """A product saved reprices against only the promotions covering it: those through
    its category, its shop or its county too."""
    ProductFactory(name="洪湖莲藕", price=Decimal("35.00"))
    ProductFactory(name="恩施玉露", price=Decimal("45.00"))
    promoted = ProductFactory(name="潜江小龙虾", price=Decimal("40.00"))
    promotion = running_promotion(kind="percent_off", value="20")
    target = {
        "categories": promoted.category,
        "vendors": promoted.vendor,
        "counties": promoted.origin_county,
    }[scope]
    getattr(promotion, scope).add(target)
    refresh_shown_prices()
    assert names(client, sort="price") == ["潜江小龙虾", "洪湖莲藕", "恩施玉露"]  # ¥32.00

    promoted.price = Decimal("50.00")  # ¥40.00 on the card
    services.save_product(promoted, update_fields=["price"])

    assert listing(client, sort="price") == [  # sorted by ¥40.00, not ¥50.00
        ("洪湖莲藕", Decimal("35.00")),
        ("潜江小龙虾", Decimal("40.00")),
        ("恩施玉露", Decimal("45.00")),
    ]

"""The cart quotes each shop's part to the shopper's province: its fee or 包邮, what is
missing for free shipping, cold chain, the products not delivered there, and the total
with shipping; a province picker on the cart; a fixed number of queries."""

import re
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders import services
from orders.models import Cart
from orders.shipping.provinces import Group
from tests.factories import ProductFactory, ShopperFactory
from tests.orders.shipping.helpers import freight_template

pytestmark = pytest.mark.django_db
CART = reverse("orders:cart")
GUANGDONG = "广东省"


def shipping_to(province):
    browser = Client()
    browser.cookies[settings.SHIP_TO_COOKIE] = quote(province)
    return browser


def add(browser, product, quantity=1):
    response = browser.post(reverse("orders:cart_add", args=[product.pk]), {"quantity": quantity})
    assert response.status_code == 302


def cart_page(browser, language="zh-hans", **params):
    return browser.get(CART, params, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def text(html):
    """The page's words, tags left out and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def oranges():
    """¥59.90 a 5 kg box, from a shop charging ¥12 (first 5 kg, ¥3 each further kg) to
    the mainland, free from ¥99, not sending to the remote regions."""
    product = ProductFactory(name="秭归脐橙", name_en="Zigui oranges", price=Decimal("59.90"))
    product.net_weight_g = 5000
    product.save(update_fields=["net_weight_g"])
    freight_template(product.vendor)
    return product


@pytest.fixture
def tea():
    """¥120 of tea from another shop with the same template: above its threshold."""
    product = ProductFactory(name="恩施玉露", name_en="Enshi Yulu tea", price=Decimal("120.00"))
    freight_template(product.vendor)
    return product


def test_each_shop_has_its_fee_and_the_gap_to_free_shipping(oranges, tea):
    browser = shipping_to(GUANGDONG)
    add(browser, oranges)
    add(browser, tea)

    html = cart_page(browser)
    chinese = text(html)
    english = text(cart_page(browser, "en"))

    parts = html.split('<div class="cart-summary">')[0].split('<section class="cart-vendor"')
    oranges_part, tea_part = map(text, parts[1:])
    assert "秭归脐橙" in oranges_part and "恩施玉露" in tea_part
    assert "运费 ¥12.00 · 再买 ¥39.10 包邮" in oranges_part
    assert "包邮" in tea_part and "运费 ¥12.00" not in tea_part
    assert "商品 ¥179.90 · 运费 ¥12.00" in chinese
    assert "合计 ¥191.90" in chinese
    assert "配送至" in chinese
    assert "Shipping ¥12.00 · Buy ¥39.10 more for free shipping" in english
    assert "Free shipping" in english
    assert "Goods ¥179.90 · Shipping ¥12.00" in english
    assert "Total ¥191.90" in english


def test_a_quantity_change_requotes_the_fees(oranges, tea):
    browser = shipping_to(GUANGDONG)
    add(browser, oranges)
    add(browser, tea)

    body = browser.post(
        reverse("orders:cart_update", args=[oranges.pk]),
        {"quantity": 2},
        HTTP_HX_REQUEST="true",
    ).content.decode()

    assert "再买" not in body and "运费 <strong>" not in body
    assert text(body).count("包邮") == 2
    assert "合计 <strong>¥239.80</strong>" in body


def test_further_kilograms_are_charged_under_the_threshold(oranges):
    cheap = ProductFactory(vendor=oranges.vendor, price=Decimal("5.00"))  # 1 kg
    browser = shipping_to(GUANGDONG)
    add(browser, cheap, 7)  # 7 kg: the first 5, then ¥3 for each of 2 more

    assert "运费 ¥18.00 · 再买 ¥64.00 包邮" in text(cart_page(browser))


def test_a_product_not_delivered_to_the_province_is_named(oranges, tea):
    browser = shipping_to("西藏自治区")
    add(browser, oranges)
    add(browser, tea)

    chinese = text(cart_page(browser))
    english = text(cart_page(browser, "en"))

    assert chinese.count("不配送至 西藏") == 2
    assert "结算时请选择其他收货地址，或移除该商品。" in chinese
    assert "Not delivered to Tibet" in english
    assert "运费 ¥0.00" in chinese  # nothing charged for what is not sent


def test_cold_chain_is_marked(oranges):
    crayfish = ProductFactory(vendor=oranges.vendor, price=Decimal("98.00"))
    freight_template(
        oranges.vendor,
        default=False,
        cold_chain=True,
        rates={Group.MAINLAND: {"first_units": 1000, "first_fee": "25", "extra_fee": "8"}},
        products=[crayfish],
    )
    browser = shipping_to(GUANGDONG)
    add(browser, oranges)
    add(browser, crayfish)

    html = cart_page(browser)

    # the oranges' parcel (¥12, ¥39.10 short of free) and the crayfish's chilled one (¥25)
    assert '<span class="part-shipping">运费 ¥37.00</span>' in html
    assert '<span class="badge badge-cold-chain">冷链</span>' in html
    assert "Cold chain" in cart_page(browser, "en")


def test_with_no_province_known_the_cart_says_shipping_comes_at_checkout(oranges):
    browser = Client()
    add(browser, oranges)

    html = cart_page(browser)
    english = cart_page(browser, "en")

    assert "运费在结算时按收货地址计算" in html
    assert "合计 <strong>¥59.90</strong>" in html
    assert "再买" not in html and "cart-shipping" not in html
    assert "Shipping is worked out at checkout from your delivery address." in english


def test_picking_a_province_on_the_cart_reloads_it_with_the_fees(oranges):
    browser = Client()
    add(browser, oranges)

    body = browser.get(CART, {"province": GUANGDONG}, HTTP_HX_REQUEST="true")

    assert '<div id="cart"' in body.content.decode()[:40]
    assert "<html" not in body.content.decode()
    assert "运费 ¥12.00 · 再买 ¥39.10 包邮" in text(body.content.decode())
    assert body.cookies[settings.SHIP_TO_COOKIE].value == quote(GUANGDONG)
    assert "private" in body["Cache-Control"]
    assert '<option value="广东省" selected>' in cart_page(browser)


def test_without_javascript_the_cart_picker_goes_through_ship_to(oranges):
    browser = Client()
    add(browser, oranges)
    assert f'action="{reverse("orders:ship_to")}"' in cart_page(browser)

    response = browser.get(reverse("orders:ship_to"), {"province": GUANGDONG, "next": CART})

    assert response["Location"] == CART
    assert "运费 ¥12.00" in text(cart_page(browser))


def test_a_bad_province_on_the_cart_is_a_message(oranges, english):
    add(english, oranges)

    for asked in ["火星", "\x00", "广东省\x00"]:
        response = english.get(CART, {"province": asked})
        assert response.status_code == 200
        assert "Choose a province from the list." in response.content.decode()
        assert settings.SHIP_TO_COOKIE not in response.cookies


def test_a_signed_in_shopper_is_quoted_to_their_default_address(oranges):
    shopper = ShopperFactory(address__province=GUANGDONG, address__is_default=True)
    services.add_to_cart(Cart.objects.create(user=shopper), oranges, 1)
    browser = Client()
    browser.force_login(shopper)

    assert "运费 ¥12.00" in text(cart_page(browser))
    browser.cookies[settings.SHIP_TO_COOKIE] = quote("西藏自治区")
    assert "不配送至 西藏" in text(cart_page(browser))


def _cart_queries(browser):
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(CART)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_cart_page_reads_as_much_for_five_shops_as_for_one(signed_in):
    counts = []
    for shops in (1, 5):
        if signed_in:
            shopper = ShopperFactory(address__province=GUANGDONG, address__is_default=True)
            browser = Client()
            browser.force_login(shopper)
        else:
            browser = shipping_to(GUANGDONG)
        for _ in range(shops):
            product = ProductFactory(price=Decimal("30.00"))
            freight_template(product.vendor)
            add(browser, product)
        html = cart_page(browser)
        assert text(html).count("再买 ¥69.00 包邮") == shops
        counts.append(_cart_queries(browser))

    assert counts[0] == counts[1]

"""The product page's shipping line: what one unit costs to send to the shopper's
province, the province picked (kept in a cookie) or that of their default address, and
the product page still cached the same for everyone."""

from decimal import Decimal
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from catalog.models import Product
from orders.shipping.provinces import Group, provinces
from tests.factories import AddressFactory, ProductFactory, ShopperFactory
from tests.orders.shipping.helpers import freight_template

pytestmark = pytest.mark.django_db
GUANGDONG = "广东省"


def line_url(product):
    return reverse("orders:shipping_line", args=[product.pk])


def line(client, product, language="zh-hans", **params):
    """The fragment htmx loads into the product page."""
    return client.get(
        line_url(product), params, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE=language
    )


def shipping_to(province):
    browser = Client()
    browser.cookies[settings.SHIP_TO_COOKIE] = quote(province)
    return browser


@pytest.fixture
def oranges():
    """Zigui oranges, ¥10 for a 1 kg box, from a shop charging ¥12 (first 5 kg) to the
    mainland, free from ¥99, not sending to the remote regions."""
    product = ProductFactory(name="秭归脐橙", price=Decimal("10.00"), net_weight_g=1000)
    freight_template(product.vendor)
    return product


def test_the_fee_and_the_free_shipping_threshold_in_chinese_and_english(oranges):
    browser = shipping_to(GUANGDONG)

    chinese = line(browser, oranges).content.decode()
    english = line(browser, oranges, "en").content.decode()

    assert "至 广东: 运费 ¥12.00 · 满 ¥99.00 包邮" in chinese
    assert "To Guangdong: shipping ¥12.00 · free from ¥99.00" in english
    assert "冷链" not in chinese


def test_a_product_above_the_threshold_ships_free():
    honey = ProductFactory(price=Decimal("120.00"), net_weight_g=1000)
    freight_template(honey.vendor)
    browser = shipping_to(GUANGDONG)

    assert "至 广东: 包邮" in line(browser, honey).content.decode()
    assert "Free shipping to Guangdong" in line(browser, honey, "en").content.decode()


def test_a_template_charging_nothing_ships_free():
    tea = ProductFactory(price=Decimal("10.00"))
    free = {"first_units": 1000, "first_fee": "0"}
    freight_template(tea.vendor, rates={Group.MAINLAND: free})

    html = line(shipping_to(GUANGDONG), tea).content.decode()

    assert "至 广东: 包邮" in html
    assert "运费" not in html.split("<form")[0]


def test_a_shop_without_a_template_ships_free():
    eggs = ProductFactory(price=Decimal("10.00"))

    assert "至 广东: 包邮" in line(shipping_to(GUANGDONG), eggs).content.decode()


def test_a_province_not_served_says_so(oranges):
    chinese = line(shipping_to("西藏自治区"), oranges).content.decode()
    english = line(shipping_to("西藏自治区"), oranges, "en").content.decode()

    assert "不配送至 西藏" in chinese and "运费 ¥" not in chinese
    assert "Not delivered to Tibet" in english


def test_a_province_the_template_leaves_out_is_not_served():
    crayfish = ProductFactory(price=Decimal("98.00"), net_weight_g=2000)
    freight_template(crayfish.vendor, not_served=[GUANGDONG])

    assert "不配送至 广东" in line(shipping_to(GUANGDONG), crayfish).content.decode()


def test_a_cold_chain_product_is_marked_with_its_own_fee(oranges):
    crayfish = ProductFactory(vendor=oranges.vendor, price=Decimal("98.00"), net_weight_g=2000)
    chilled = {"first_units": 1000, "first_fee": "25", "extra_fee": "8"}
    freight_template(
        oranges.vendor,
        default=False,
        cold_chain=True,
        rates={Group.MAINLAND: chilled},
        products=[crayfish],
    )
    browser = shipping_to(GUANGDONG)

    chinese = line(browser, crayfish).content.decode()
    english = line(browser, crayfish, "en").content.decode()

    assert "至 广东: 运费 ¥33.00" in chinese and "满" not in chinese.split("<form")[0]
    assert '<span class="badge badge-cold">冷链</span>' in chinese
    assert "Cold chain" in english
    assert "冷链" not in line(browser, oranges).content.decode()


def test_with_no_province_known_the_line_asks_for_one(oranges):
    html = line(Client(), oranges).content.decode()

    assert "选择省份查看运费" in html
    assert html.count("<option value=") == len(provinces()) + 1
    assert '<option value="广东省">广东</option>' in html
    assert "Guangdong</option>" in line(Client(), oranges, "en").content.decode()


def test_picking_a_province_keeps_it_in_a_cookie_read_back_next_time(oranges):
    browser = Client()

    picked = line(browser, oranges, province=GUANGDONG)

    cookie = picked.cookies[settings.SHIP_TO_COOKIE]
    assert cookie.value == quote(GUANGDONG)
    assert (cookie["samesite"], cookie["path"], cookie["max-age"]) == ("Lax", "/", 31536000)
    assert "至 广东: 运费 ¥12.00" in picked.content.decode()
    again = line(browser, oranges)
    assert "至 广东: 运费 ¥12.00" in again.content.decode()
    assert settings.SHIP_TO_COOKIE not in again.cookies
    assert '<option value="广东省" selected>' in again.content.decode()


def test_a_signed_in_shopper_sees_the_fee_to_their_default_address(oranges):
    shopper = ShopperFactory(address__province="新疆维吾尔自治区")
    AddressFactory(user=shopper, province=GUANGDONG, is_default=True)
    browser = Client()
    browser.force_login(shopper)

    assert "至 广东: 运费 ¥12.00" in line(browser, oranges).content.decode()
    browser.cookies[settings.SHIP_TO_COOKIE] = quote("湖北省")
    assert "至 湖北: 运费 ¥12.00" in line(browser, oranges).content.decode()


def test_the_line_is_kept_by_no_shared_cache(oranges):
    response = line(shipping_to(GUANGDONG), oranges)

    assert "private" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]
    assert "HX-Request" in response["Vary"]


def test_the_cached_product_page_is_the_same_for_everyone_and_the_line_differs(
    oranges, django_assert_num_queries
):
    first, second = Client(), shipping_to("西藏自治区")
    page = first.get(oranges.get_absolute_url()).content.decode()

    with django_assert_num_queries(0):  # from the page cache, whatever the cookie
        cached = second.get(oranges.get_absolute_url()).content.decode()

    placeholder = f'hx-get="{line_url(oranges)}" hx-trigger="load"'
    assert placeholder in page and placeholder in cached
    assert "不配送至" not in cached and "运费 ¥" not in cached
    assert "选择省份查看运费" in line(first, oranges).content.decode()
    assert "不配送至 西藏" in line(second, oranges).content.decode()


def test_the_line_reads_a_fixed_number_of_queries(oranges, django_assert_num_queries):
    browser = shipping_to(GUANGDONG)
    line(browser, oranges)  # the promotions' schedule is cached from now on

    # the product, whether it is on sale, and its template with its rates (three: the
    # product's own, the shop's default, their rates); no promotion runs to read
    with django_assert_num_queries(3):
        assert "运费 ¥12.00" in line(browser, oranges).content.decode()


@pytest.mark.parametrize("asked", ["火星", "广东", "\x00", "广东省\x00", "' or 1=1 --", "x" * 500])
def test_a_province_that_is_not_one_gets_a_message_and_no_cookie(oranges, asked):
    response = line(Client(), oranges, "en", province=asked)

    assert response.status_code == 200
    assert "Choose a province from the list." in response.content.decode()
    assert settings.SHIP_TO_COOKIE not in response.cookies


def test_a_broken_cookie_is_as_none(oranges):
    for value in ["%E5%B9%BF", quote("火星"), "%00", "%FF%FE"]:
        browser = Client()
        browser.cookies[settings.SHIP_TO_COOKIE] = value
        response = line(browser, oranges)
        assert response.status_code == 200
        assert "选择省份查看运费" in response.content.decode()


def test_a_product_not_on_sale_has_no_line(oranges):
    browser = shipping_to(GUANGDONG)
    Product.objects.filter(pk=oranges.pk).update(status=Product.Status.DRAFT)

    assert line(browser, oranges).status_code == 404
    assert browser.get(reverse("orders:shipping_line", args=[999999])).status_code == 404


def test_a_sold_out_product_still_shows_its_fee(oranges):
    Product.objects.filter(pk=oranges.pk).update(stock=0)

    assert "至 广东: 运费 ¥12.00" in line(shipping_to(GUANGDONG), oranges).content.decode()


def test_without_javascript_the_line_is_a_page_and_the_picker_goes_back_to_it(oranges):
    browser = Client()
    page = browser.get(oranges.get_absolute_url()).content.decode()
    assert f'<noscript><a href="{line_url(oranges)}">' in page

    shown = browser.get(line_url(oranges)).content.decode()
    assert "<html" in shown and "选择省份查看运费" in shown
    assert f'action="{reverse("orders:ship_to")}"' in shown
    assert f'name="next" value="{line_url(oranges)}"' in shown

    picked = browser.get(
        reverse("orders:ship_to"), {"province": GUANGDONG, "next": line_url(oranges)}
    )

    assert (picked.status_code, picked["Location"]) == (302, line_url(oranges))
    assert picked.cookies[settings.SHIP_TO_COOKIE].value == quote(GUANGDONG)
    assert "至 广东: 运费 ¥12.00" in browser.get(line_url(oranges)).content.decode()


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)", ""],
)
def test_the_picker_goes_back_to_this_site_only(next_url):
    response = Client().get(reverse("orders:ship_to"), {"province": GUANGDONG, "next": next_url})

    assert (response.status_code, response["Location"]) == (302, reverse("orders:cart"))


def test_a_control_character_in_next_is_no_500():
    response = Client().get(reverse("orders:ship_to"), {"province": GUANGDONG, "next": "/\x00"})

    assert response.status_code == 302
    assert response["Location"].startswith("/") and not response["Location"].startswith("//")


def test_the_picker_refuses_what_is_not_a_province(english):
    response = english.get(reverse("orders:ship_to"), {"province": "火星", "next": "/cart/"})

    assert response["Location"] == "/cart/"
    assert settings.SHIP_TO_COOKIE not in response.cookies
    assert "Choose a province from the list." in english.get("/cart/").content.decode()

"""“Buy now” on a stream's product: a checkout of that item alone, priced by the cart's
pricing path, that leaves the cart as it was; a replay sells at the normal price."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import County, Promotion
from livestream import services as stream_services
from livestream.models import LiveStream
from orders.models import CartItem, Order, OrderLine
from tests.factories import (
    AddressFactory,
    FeaturedProductFactory,
    LiveStreamFactory,
    ProductFactory,
    running_promotion,
)

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
PASSWORD = "a-long-pass-phrase-9"


@pytest.fixture
def live(db):
    stream = LiveStreamFactory(
        slug="qianjiang-live",
        county=County.objects.get(slug="qianjiang-city"),
        stream_url="https://live.example.cn/embed/1",
    )
    crayfish = ProductFactory(
        name="潜江小龙虾", name_en="Qianjiang crayfish", price=Decimal("98.00"), stock=50
    )
    FeaturedProductFactory(stream=stream, product=crayfish, stream_price=Decimal("79.00"))
    return stream, crayfish


@pytest.fixture
def shopper(client, django_user_model):
    user = django_user_model.objects.create_user("fan", password=PASSWORD)
    AddressFactory(user=user, city="潜江市", district="园林街道", street="1 号", is_default=True)
    client.force_login(user)
    return user


def buy_now(client, product, quantity=1, stream=None, **extra):
    data = {"quantity": quantity, **({"stream": stream.slug} if stream else {})}
    return client.post(reverse("orders:buy_now", args=[product.pk]), data, **extra)


def checkout_form(html):
    key = re.search(r'name="idempotency_key" value="(\w+)"', html)  # (buy now: its token's)
    return {
        "address": re.search(r'name="address" value="(\d+)"', html)[1],
        "payment_method": "cod",
        **({"idempotency_key": key[1]} if key else {}),
        "expected_total": re.search(r'name="expected_total" value="([\d.]+)"', html)[1],
    }


def text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def cart_of(user):
    return sorted(
        CartItem.objects.filter(cart__user=user).values_list("product__name", "quantity", "channel")
    )


def test_buy_now_orders_just_that_item_at_the_stream_price_and_leaves_the_cart(
    client, live, shopper
):
    stream, crayfish = live
    tea = ProductFactory(name="恩施玉露", price=Decimal("120.00"), stock=5)
    client.post(reverse("orders:cart_add", args=[tea.pk]), {"quantity": 2})
    client.post(reverse("orders:cart_add", args=[crayfish.pk]), {"quantity": 1})
    before = cart_of(shopper)

    response = buy_now(client, crayfish, 2, stream)
    page = client.get(response["Location"], **EN).content.decode()
    placed = client.post(
        response["Location"], {**checkout_form(page), "price": "0.01", "unit_price": "0.01"}
    )

    assert "Qianjiang crayfish" in page and "¥79.00</span> × 2" in page and "¥158.00" in page
    checkout = re.sub(r'<ul class="messages".*?</ul>', "", page, flags=re.S)
    assert "恩施玉露" not in checkout  # (only the messages of the two additions name it)
    order = Order.objects.get()
    assert placed["Location"] == reverse("orders:detail", args=[order.number])
    assert list(
        OrderLine.objects.filter(part__order=order).values_list(
            "product_name", "quantity", "unit_price", "channel"
        )
    ) == [("潜江小龙虾", 2, Decimal("79.00"), stream.channel)]
    assert order.total == Decimal("158.00")
    assert cart_of(shopper) == before
    crayfish.refresh_from_db()
    assert crayfish.stock == 48


def test_a_double_submit_of_buy_now_makes_one_order(client, live, shopper):
    stream, crayfish = live
    url = buy_now(client, crayfish, 1, stream)["Location"]
    form = checkout_form(client.get(url).content.decode())

    first = client.post(url, form)
    second = client.post(url, form)

    assert first["Location"] == second["Location"]
    assert Order.objects.count() == 1
    # that checkout is over: opening it again shows its order
    assert client.get(url)["Location"] == first["Location"]


def test_two_tabs_of_one_buy_now_make_one_order_even_when_both_read_the_session_first(
    client, live, shopper
):
    stream, crayfish = live
    url = buy_now(client, crayfish, 2, stream)["Location"]
    held = client.session["buy_now"]
    first_tab = checkout_form(client.get(url).content.decode())
    second_tab = checkout_form(client.get(url).content.decode())

    first = client.post(url, first_tab)
    session = client.session  # the second request read the session before the first saved it
    session["buy_now"] = held
    session.save()
    second = client.post(url, second_tab)

    order = Order.objects.get()
    assert first["Location"] == second["Location"] == reverse("orders:detail", args=[order.number])
    assert order.total == Decimal("158.00")
    crayfish.refresh_from_db()
    assert crayfish.stock == 48


def test_a_retried_buy_now_finds_its_order_whatever_key_it_posts(client, live, shopper):
    stream, crayfish = live
    url = buy_now(client, crayfish, 1, stream)["Location"]
    form = checkout_form(client.get(url).content.decode())
    placed = client.post(url, form)

    retried = client.post(url, {**form, "idempotency_key": "\x00" * 20})

    assert retried["Location"] == placed["Location"]
    assert Order.objects.count() == 1


def test_an_anonymous_shopper_signs_in_and_comes_back_to_the_buy_now_checkout(
    client, live, shopper
):
    stream, crayfish = live
    client.logout()

    url = buy_now(client, crayfish, 3, stream)["Location"]
    to_sign_in = client.get(url)
    signed_in = client.post(
        reverse("login"), {"username": "fan", "password": PASSWORD, "next": url}
    )
    page = client.get(signed_in["Location"], **EN).content.decode()

    assert to_sign_in["Location"] == f"{reverse('login')}?next={url}"
    assert signed_in["Location"] == url
    assert "¥79.00</span> × 3" in page and "¥237.00" in page


def test_buy_now_from_htmx_sends_the_browser_to_its_checkout(client, live, shopper):
    stream, crayfish = live

    response = buy_now(client, crayfish, 1, stream, HTTP_HX_REQUEST="true")

    assert response["HX-Redirect"].startswith("/checkout/now/")


@pytest.mark.parametrize(
    ("quantity", "says"),
    [
        ("0", "greater than or equal to 1"),
        ("abc", "Enter a whole number"),
        ("51", "Only 50 of “Qianjiang crayfish” left; you asked for 51."),
    ],
)
def test_buy_now_of_a_bad_quantity_is_refused_and_holds_nothing(
    client, live, shopper, quantity, says
):
    stream, crayfish = live

    response = buy_now(client, crayfish, quantity, stream, **EN)

    assert response["Location"] == stream.get_absolute_url()
    assert "buy_now" not in client.session
    page = client.get(response["Location"], **EN).content.decode()
    assert 'class="message message-error"' in page and says in page


def test_buy_now_counts_a_per_shopper_limit_like_the_cart(client, live, shopper):
    _stream, crayfish = live
    promotion = running_promotion(
        crayfish, kind="special_price", value="69.00", per_shopper_limit=1
    )

    url = buy_now(client, crayfish, 2)["Location"]  # two: more than the limit allows
    page = client.get(url, **EN).content.decode()
    assert "Limit 1 per shopper; the rest at ¥98.00" in page
    client.post(url, checkout_form(page))
    url = buy_now(client, crayfish, 1)["Location"]  # the allowance is used up
    client.post(url, checkout_form(client.get(url).content.decode()))

    assert list(OrderLine.objects.order_by("pk").values_list("unit_price", "promotion")) == [
        (Decimal("69.00"), promotion.pk),  # one within the limit, the other at the list price
        (Decimal("98.00"), None),
        (Decimal("98.00"), None),
    ]


def test_buy_now_counts_a_flash_sales_units(client, live, shopper):
    _stream, crayfish = live
    sale = running_promotion(crayfish, kind="special_price", value="59.00", units_cap=10)

    url = buy_now(client, crayfish, 3)["Location"]
    client.post(url, checkout_form(client.get(url).content.decode()))

    assert OrderLine.objects.get().unit_price == Decimal("59.00")
    assert Promotion.objects.get(pk=sale.pk).units_sold == 3


def test_a_stream_ending_before_the_order_is_placed_shows_the_normal_price_first(
    client, live, shopper
):
    stream, crayfish = live
    url = buy_now(client, crayfish, 1, stream)["Location"]
    form = checkout_form(client.get(url).content.decode())
    stream_services.end_stream(stream)

    page = client.post(url, form, **EN).content.decode()

    assert "Prices changed since you opened this page" in page and "¥98.00" in page
    assert not Order.objects.exists()


def test_a_replay_sells_at_the_normal_price_with_its_promotions(client, live, shopper):
    stream, crayfish = live
    stream_services.end_stream(stream)
    LiveStream.objects.filter(pk=stream.pk).update(replay_url="https://live.example.cn/r/1")
    running_promotion(crayfish, kind="percent_off", value="10")  # ¥88.20

    page = client.get(stream.get_absolute_url(), **EN).content.decode()
    client.post(
        reverse("orders:cart_add", args=[crayfish.pk]), {"quantity": 1, "stream": stream.slug}
    )
    cart = client.get(reverse("orders:cart"), **EN).content.decode()
    url = buy_now(client, crayfish, 1, stream)["Location"]
    client.post(url, checkout_form(client.get(url).content.decode()))

    assert "its products sell at their normal price" in page
    assert "¥88.20" in page and "¥79.00" not in page and "stream price" not in page
    assert "Buy now" in page and "Add to cart" in page
    assert "¥88.20" in cart and "¥79.00" not in cart
    assert list(OrderLine.objects.values_list("unit_price", "channel")) == [(Decimal("88.20"), "")]
    assert cart_of(shopper) == [("潜江小龙虾", 1, "")]


def test_an_item_added_while_live_costs_its_normal_price_once_the_stream_ended(
    client, live, shopper
):
    stream, crayfish = live
    client.post(
        reverse("orders:cart_add", args=[crayfish.pk]), {"quantity": 1, "stream": stream.slug}
    )
    live_cart = client.get(reverse("orders:cart"), **EN).content.decode()

    stream_services.end_stream(stream)
    ended_cart = client.get(reverse("orders:cart"), **EN).content.decode()

    assert "¥79.00" in live_cart
    assert "¥98.00" in ended_cart and "¥79.00" not in ended_cart


@pytest.mark.parametrize(
    ("language", "says"),
    [
        (
            "en",
            [
                "Qianjiang crayfish · 1 crate (4 kg) · 2 × ¥49.90 limited-offer price · "
                "1 × ¥98.00 = ¥197.80",
                "Limit 2 per shopper; the rest at ¥98.00",
            ],
        ),
        (
            "zh-hans",
            [
                "潜江小龙虾 · 1 箱 · 2 × ¥49.90 限购价 · 1 × ¥98.00 = ¥197.80",
                "限购2件，超出部分按¥98.00计",
            ],
        ),
    ],
)
def test_buy_now_over_a_limit_shows_each_portion_and_the_line_total(
    client, live, shopper, language, says
):
    _stream, crayfish = live
    crayfish.pack_size, crayfish.pack_size_en = "1 箱", "1 crate (4 kg)"
    crayfish.save()
    running_promotion(crayfish, kind="special_price", value="49.90", per_shopper_limit=2)

    url = buy_now(client, crayfish, 3)["Location"]
    page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    shown = text(page)
    assert all(words in shown for words in says)
    assert "× 3" not in shown
    assert shown.count("¥49.90") == 1  # one line for the item, not a second one below it
    assert 'name="expected_total" value="197.80"' in page


@pytest.mark.parametrize(
    ("language", "says"),
    [("en", "This product is no longer on sale."), ("zh-hans", "该商品已下架。")],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_buy_now_of_a_product_deleted_since_goes_back_to_the_stream_saying_so(
    client, live, shopper, method, language, says
):
    stream, crayfish = live
    url = buy_now(client, crayfish, 1, stream)["Location"]
    form = checkout_form(client.get(url).content.decode())
    crayfish.delete()

    response = getattr(client, method)(
        url, form if method == "post" else None, HTTP_ACCEPT_LANGUAGE=language
    )
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert response["Location"] == stream.get_absolute_url()
    assert says in page and "Your cart is empty" not in page and "购物车是空的" not in page
    assert not Order.objects.exists()


def test_a_buy_now_refused_talks_about_the_item_and_links_back_to_the_stream(client, live, shopper):
    stream, crayfish = live
    client.post(reverse("orders:cart_add", args=[crayfish.pk]), {"quantity": 1})
    url = buy_now(client, crayfish, 2, stream)["Location"]
    form = checkout_form(client.get(url).content.decode())
    crayfish.status = "draft"
    crayfish.save()

    page = text(client.post(url, form, **EN).content.decode())

    assert "This item cannot be bought as it stands." in page
    assert "“Qianjiang crayfish” is no longer on sale." in page
    assert "as your cart stands" not in page and "Change the cart" not in page
    assert (
        f'<a href="{stream.get_absolute_url()}">Back to the live stream</a>'
        in client.post(url, form, **EN).content.decode()
    )
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("language", "heading", "says"),
    [
        (
            "en",
            "The prices changed before your order was placed.",
            "The flash sale “十周年秒杀” has sold out, so “Qianjiang crayfish” now comes to "
            "¥294.00. Here are the prices now; place the order again to accept them.",
        ),
        ("zh-hans", "下单前价格有变", "秒杀“十周年秒杀”已售罄，“潜江小龙虾”现在共计¥294.00。"),
    ],
)
def test_a_flash_sale_selling_out_during_buy_now_says_so_and_the_new_price(
    client, live, shopper, language, heading, says
):
    _stream, crayfish = live
    sale = running_promotion(
        crayfish, kind="special_price", value="59.00", units_cap=10, name="十周年秒杀"
    )
    url = buy_now(client, crayfish, 3)["Location"]
    form = checkout_form(client.get(url).content.decode())
    Promotion.objects.filter(pk=sale.pk).update(units_sold=10)  # other buyers took the rest

    page = text(client.post(url, form, HTTP_ACCEPT_LANGUAGE=language).content.decode())

    assert heading in page and says in page
    for wrong in (
        "cannot be bought",
        "a promotion started or ended",
        "无法购买",
        "有促销开始或结束",
    ):
        assert wrong not in page
    assert not Order.objects.exists()
    assert Promotion.objects.get(pk=sale.pk).units_sold == 10


@pytest.mark.parametrize("items", [1, 3])
def test_the_buy_now_checkout_runs_a_fixed_number_of_queries(
    session_reads, client, live, shopper, items, django_assert_num_queries
):
    stream, crayfish = live
    for _ in range(items):
        client.post(reverse("orders:cart_add", args=[ProductFactory().pk]), {"quantity": 1})
    url = buy_now(client, crayfish, 1, stream)["Location"]
    client.get(url)  # the promotion schedule cached

    # (the session: see session_reads), user, the product with its vendor, county and
    # category, its photos, visibility, the stream price, the address book once,
    # the freight templates to the address (one query: the links came with the product)
    with django_assert_num_queries(7 + session_reads):
        assert client.get(url).status_code == 200


def test_a_shopper_without_an_address_adds_one_and_comes_back_to_buy_now(
    client, live, django_user_model
):
    stream, crayfish = live
    client.force_login(django_user_model.objects.create_user("new-fan"))
    url = buy_now(client, crayfish, 1, stream)["Location"]

    page = client.get(url, **EN).content.decode()
    added = client.post(
        f"{reverse('orders:address_add')}?next={url}",
        {
            "recipient": "李四",
            "mobile": "13912345678",
            "province": "湖北省",
            "city": "潜江市",
            "district": "",
            "street": "园林街道 2 号",
            "next": url,
        },
    )

    assert f'href="{reverse("orders:address_add")}?next={url}"' in page
    assert added["Location"] == url


@pytest.mark.parametrize(
    ("language", "says", "back", "place"),
    [
        (
            "en",
            "Qianjiang crayfish · This product is no longer on sale.",
            "Back to the live stream",
            "Place order",
        ),
        ("zh-hans", "潜江小龙虾 · 该商品已下架。", "返回直播间", "提交订单"),
    ],
)
def test_a_reopened_buy_now_whose_item_went_off_sale_says_so_and_cannot_be_placed(
    client, live, shopper, language, says, back, place
):
    stream, crayfish = live
    url = buy_now(client, crayfish, 2, stream)["Location"]
    crayfish.status = "draft"
    crayfish.save()

    html = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert says in text(html)
    assert f'<a href="{stream.get_absolute_url()}">{back}</a>' in html
    assert re.search(rf'<button type="submit" class="button" disabled>{place}</button>', html)
    assert 'name="quantity"' not in html  # nothing to lower: it is not on sale


@pytest.mark.parametrize(
    ("language", "says", "lower"),
    [("en", "Only 3 left", "Buy this many"), ("zh-hans", "仅剩 3 件", "按此数量购买")],
)
def test_a_reopened_buy_now_short_of_stock_says_how_many_are_left_and_lowers_the_quantity(
    client, live, shopper, language, says, lower
):
    stream, crayfish = live
    url = buy_now(client, crayfish, 5, stream)["Location"]
    crayfish.stock = 3
    crayfish.save()

    html = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert f"Qianjiang crayfish · {says}" in text(html) or f"潜江小龙虾 · {says}" in text(html)
    assert lower in html
    assert re.search(r'<button type="submit" class="button" disabled>', html)
    assert f'action="{reverse("orders:buy_now", args=[crayfish.pk])}"' in html
    assert 'name="quantity" value="3"' in html and f'value="{stream.slug}"' in html

    # The shopper buys the 3 left, at the stream price, from a checkout that can be placed.
    new_url = buy_now(client, crayfish, 3, stream)["Location"]
    page = client.get(new_url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert "disabled" not in page.split("checkout-summary")[1]
    response = client.post(new_url, checkout_form(page))
    order = Order.objects.get()
    assert response["Location"] == reverse("orders:detail", args=[order.number])
    line = OrderLine.objects.get()
    assert (line.quantity, line.unit_price) == (3, Decimal("79.00"))

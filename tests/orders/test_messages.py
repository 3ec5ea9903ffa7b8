"""Flash messages: each page shows those waiting for it, once, so none piles up on a
later page (a new shopper's order page used to show three)."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from orders.models import Order
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db
CHECKOUT = reverse("orders:checkout")
PASSWORD = "a-long-passphrase-2020"
ADDRESS = {
    "recipient": "张三",
    "mobile": "13812345678",
    "province": "湖北省",
    "city": "武汉市",
    "district": "江汉区",
    "street": "解放大道 1 号",
}


def shown(page):
    return re.findall(r'<li class="message message-\w+" role="\w+">(.*?)</li>', page)


@pytest.mark.parametrize(
    ("language", "welcome", "saved", "thanks"),
    [
        (
            "en",
            "Welcome! Your account is ready.",
            "Address saved.",
            "Thank you! Your order is placed.",
        ),
        ("zh-hans", "欢迎！账户已创建。", "地址已保存。", "谢谢！订单已提交。"),
    ],
)
def test_a_new_shoppers_order_page_shows_only_its_own_message(
    client, language, welcome, saved, thanks
):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    client.post(reverse("orders:cart_add", args=[ProductFactory(stock=5).pk]), {"quantity": 2})
    # Checking out: sign up, add an address, place the order, each back to the checkout.
    client.post(
        f"{reverse('orders:sign_up')}?next={CHECKOUT}",
        {
            "username": "xiaoming",
            "email": "xm@example.cn",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "next": CHECKOUT,
        },
    )
    assert [welcome] == [
        m for m in shown(client.get(CHECKOUT).content.decode()) if m.startswith(welcome)
    ]
    client.post(f"{reverse('orders:address_add')}?next={CHECKOUT}", {**ADDRESS, "next": CHECKOUT})
    page = client.get(CHECKOUT).content.decode()
    assert shown(page) == [saved]
    form = {
        "address": re.search(r'name="address" value="(\d+)"', page)[1],
        "payment_method": "cod",
        "idempotency_key": re.search(r'name="idempotency_key" value="(\w+)"', page)[1],
    }

    client.post(CHECKOUT, form)
    client.post(CHECKOUT, form)  # a second click: the same order, and the same thanks

    order = Order.objects.get()
    messages = shown(client.get(reverse("orders:detail", args=[order.number])).content.decode())
    assert len(messages) == 1 and messages[0].startswith(thanks)


def test_a_refusal_shows_on_the_product_page_and_only_to_its_visitor(client):
    product = ProductFactory(stock=5, price=Decimal("9.90"))
    url = product.get_absolute_url()
    Client().get(url)  # the page is in the cache

    response = client.post(
        reverse("orders:cart_add", args=[product.pk]),
        {"quantity": 0},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.redirect_chain == [(url, 302)]
    assert shown(response.content.decode()) == ["Ensure this value is greater than or equal to 1."]
    assert shown(client.get(url).content.decode()) == []  # shown once
    assert shown(Client().get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()) == []

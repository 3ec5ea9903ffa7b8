"""A shopper paying by bank transfer is told where to send the money and what reference
to write, on the order page and in the order's email; other orders say nothing of it."""

import uuid

import pytest
from django.core import mail
from django.urls import reverse

from notifications.delivery import deliver_pending
from orders import services
from orders.models import Cart, Order
from tests.factories import AddressFactory, ProductFactory

pytestmark = pytest.mark.django_db
PAYEE, BANK = "湖北集市电子商务有限公司", "中国银行武汉江汉支行"


@pytest.fixture(autouse=True)
def _account(settings):
    settings.BANK_TRANSFER_PAYEE, settings.BANK_TRANSFER_BANK = PAYEE, BANK
    settings.BANK_TRANSFER_ACCOUNT = "6217 8571 0000 1234 567"  # as a bank prints it


def place(user_model, payment):
    shopper = user_model.objects.create_user(
        f"buyer-{uuid.uuid4().hex[:6]}", email="buyer@example.cn"
    )
    address = AddressFactory(user=shopper)
    cart = Cart.objects.create(user=shopper)
    services.add_to_cart(cart, ProductFactory(stock=5), 2)
    return services.place_order(
        cart,
        shopper=shopper,
        address=address,
        payment_method=payment,
        idempotency_key=uuid.uuid4().hex,
    )


def order_page(client, order, language):
    client.force_login(order.shopper)
    return client.get(
        reverse("orders:detail", args=[order.number]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()


@pytest.mark.parametrize(
    ("language", "payee", "account", "reference"),
    [
        ("en", "Payee", "Account number", "Write the order number {} as the transfer's reference."),
        ("zh-hans", "收款人", "账号", "转账时请备注订单号 {}"),
    ],
)
def test_the_order_page_shows_the_account_to_pay_into_and_the_reference(
    client, django_user_model, language, payee, account, reference
):
    order = place(django_user_model, Order.PaymentMethod.BANK_TRANSFER)

    page = order_page(client, order, language)

    assert f"<dt>{payee}</dt><dd>{PAYEE}</dd>" in page
    assert BANK in page
    assert (
        f'<dt>{account}</dt><dd><span class="account-number">6217 8571 0000 1234 567</span>'
    ) in page
    assert 'data-copy="6217857100001234567"' in page  # the copy button copies digits only
    assert reference.format(order.number) in page
    assert '<script src="/static/js/copy.js" defer></script>' in page


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_orders_not_awaiting_a_transfer_show_no_account(client, django_user_model, language):
    cash = place(django_user_model, Order.PaymentMethod.CASH_ON_DELIVERY)
    paid = place(django_user_model, Order.PaymentMethod.BANK_TRANSFER)
    Order.objects.filter(pk=paid.pk).update(status=Order.Status.CONFIRMED)  # money arrived

    for order in (cash, paid):
        page = order_page(client, order, language)
        assert PAYEE not in page and "6217" not in page and "copy.js" not in page


@pytest.mark.parametrize(
    ("language", "reference"),
    [
        ("en", "Write the order number {} as the transfer's reference."),
        ("zh-hans", "转账时请备注订单号 {}"),
    ],
)
def test_the_order_email_tells_where_to_send_the_transfer(
    settings, django_user_model, language, reference
):
    settings.LANGUAGE_CODE = language
    order = place(django_user_model, Order.PaymentMethod.BANK_TRANSFER)

    deliver_pending()

    body = next(m.body for m in mail.outbox if m.to == ["buyer@example.cn"])
    assert PAYEE in body and BANK in body
    assert "6217 8571 0000 1234 567" in body
    assert reference.format(order.number) in body


def test_a_cash_on_delivery_email_has_no_account(django_user_model):
    place(django_user_model, Order.PaymentMethod.CASH_ON_DELIVERY)

    deliver_pending()

    body = next(m.body for m in mail.outbox if m.to == ["buyer@example.cn"])
    assert PAYEE not in body and "6217" not in body

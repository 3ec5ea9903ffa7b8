"""The shipping fee after checkout: in the amount paid online, refunded with a part its
shop cancels, and listed on the order page, the vendor's order pages and the messages."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from notifications.delivery import deliver_pending
from notifications.models import LanguagePreference, Notification
from orders import services as order_services
from orders.models import Order
from payments import services
from payments.models import Payment, Refund
from tests.factories import ProductFactory, ShopperFactory, make_shop
from tests.orders.shipping.checkout_helpers import cold_chain, template
from tests.payments.test_refunds import sandbox_refunds
from tests.support.online_orders import checkout, start, trade_of
from tests.support.payments import pay_in_sandbox

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def shops(django_user_model):
    """Zigui (oranges, ¥8 the first kg and ¥2 each further one) and Qianjiang (crayfish by
    cold chain, ¥25): (zigui owner, zigui, oranges), (qianjiang owner, qianjiang, crayfish)."""
    zigui_owner, zigui = make_shop(django_user_model, "zigui")
    qianjiang_owner, qianjiang = make_shop(django_user_model, "qianjiang")
    template(zigui)
    template(qianjiang)
    oranges = ProductFactory(
        vendor=zigui, name_en="Zigui oranges", price=Decimal("15.00"), net_weight_g=2500
    )
    crayfish = ProductFactory(
        vendor=qianjiang, name_en="Crayfish", price=Decimal("20.00"), net_weight_g=2000
    )
    cold_chain(crayfish, fee="25.00")
    return (zigui_owner, zigui, oranges), (qianjiang_owner, qianjiang, crayfish)


@pytest.mark.parametrize("gateway", ["alipay", "wechat_pay"])
def test_the_payment_includes_the_fees_and_a_cancelled_part_is_refunded_with_its_fee(
    sandbox_site, django_user_model, gateway
):
    (zigui_owner, zigui, oranges), (_owner, _qianjiang, crayfish) = shops(django_user_model)
    order = checkout((oranges, 2), (crayfish, 1), payment_method=gateway)
    # oranges: ¥30 + 5 kg (¥8 + 4 × ¥2 = ¥16); crayfish: ¥20 + ¥25 by cold chain
    assert (order.shipping_fee, order.total) == (Decimal("41.00"), Decimal("91.00"))

    payment = start(order, gateway)
    assert payment.amount == Decimal("91.00")
    assert trade_of(payment).amount_fen == 9100
    pay_in_sandbox(payment)
    payment.refresh_from_db()
    assert (payment.state, payment.refunded) == (Payment.State.PAID, Decimal("0"))

    part = order.parts.get(vendor=zigui)
    with pytest.raises(ValidationError) as more:  # a staff refund: at most what it cost
        services.refund_order(order, Decimal("46.01"), part=part, reason="staff")
    assert more.value.code == "more_than_part"

    order_services.cancel_part(part, reason="冻害，橙子没有了", by=zigui_owner)

    refund = Refund.objects.get(payment=payment)
    assert (refund.reason, refund.amount, refund.state) == (
        Refund.Reason.PART_CANCELLED,
        Decimal("46.00"),  # ¥30 of oranges and their ¥16 shipping
        Refund.State.SUCCEEDED,
    )
    assert list(sandbox_refunds(payment).values()) == [4600]
    told = Notification.objects.get(recipient=order.shopper, kind="part_cancelled")
    assert "This part cost ¥46.00, shipping ¥16.00 included" in told.body

    order_services.cancel_order(order, by=order.shopper)

    payment.refresh_from_db()
    assert (payment.state, payment.refunded) == (Payment.State.REFUNDED, Decimal("91.00"))


@pytest.mark.django_db
def test_the_order_page_and_messages_list_each_parts_fee_and_the_total(client, django_user_model):
    (zigui_owner, zigui, oranges), (qianjiang_owner, _qianjiang, crayfish) = shops(
        django_user_model
    )
    free = ProductFactory(name_en="Tea", price=Decimal("40.00"))  # a shop with no template
    shopper = ShopperFactory(email="buyer@example.cn")
    for reader in (shopper, zigui_owner):
        LanguagePreference.objects.create(user=reader, language="en")
    order = checkout((oranges, 2), (crayfish, 1), (free, 1), payment_method="cod", shopper=shopper)
    deliver_pending()
    client.force_login(shopper)

    html = client.get(reverse("orders:detail", args=[order.number]), **EN).content.decode()

    assert "Shipping ¥16.00" in html
    assert "Shipping ¥25.00" in html and "Cold chain" in html
    assert "Free shipping" in html
    assert "¥90.00" in html and "¥41.00" in html and "¥131.00" in html  # goods, shipping, total

    placed = Notification.objects.get(recipient=shopper, kind="order_placed")
    assert "¥30.00 · Shipping ¥16.00" in placed.body
    assert "¥20.00 · Shipping ¥25.00 · Cold chain" in placed.body
    assert "¥40.00 · Free shipping" in placed.body
    assert "Goods: ¥90.00 · Shipping: ¥41.00\nTotal: ¥131.00" in placed.body
    new = Notification.objects.get(recipient=zigui_owner, kind="new_order")
    assert "Subtotal: ¥30.00 · Shipping ¥16.00" in new.body

    client.force_login(qianjiang_owner)
    part = order.parts.get(vendor=crayfish.vendor)
    vendor_page = client.get(reverse("vendor:order", args=[part.pk]), **EN).content.decode()
    vendor_list = client.get(reverse("vendor:orders"), **EN).content.decode()
    for page in (vendor_page, vendor_list):
        assert "Shipping ¥25.00" in page and "Cold chain" in page


@pytest.mark.django_db
def test_an_order_without_templates_costs_its_goods_alone():
    order = checkout((ProductFactory(price=Decimal("59.90")), 2), payment_method="cod")

    assert (order.shipping_fee, order.total, order.total_due) == (
        Decimal("0"),
        Decimal("119.80"),
        Decimal("119.80"),
    )
    assert order.parts.get().shipping_fee == Decimal("0")
    assert Order.objects.get().total == Decimal("119.80")

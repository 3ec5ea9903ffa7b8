"""An online order between checkout and payment, as shoppers, shops and the impact board
see it: it waits PAYMENT_TIMEOUT_MINUTES (a bank transfer BANK_TRANSFER_TIMEOUT_HOURS),
then the sweep closes it (the gateway asked first: money that arrived meanwhile pays the
order), its trades are closed at the gateway, its stock and flash-sale units go back;
until it is paid no shop is asked to ship it and the board does not count it."""

from datetime import timedelta
from decimal import Decimal

import pytest
import requests
import time_machine
from django.urls import reverse

from gateway_sandbox.models import SandboxTrade
from notifications.models import Notification
from orders.models import Order, OrderEvent
from payments import services
from payments.models import Payment
from tests.factories import ProductFactory, make_shop, running_promotion
from tests.support.online_orders import checkout, dead_url, open_page, start, trade_of
from tests.support.payments import CSRF, pay_in_sandbox


def kinds_of(user) -> list[str]:
    """The kinds of the messages `user` was sent, oldest first."""
    return list(
        Notification.objects.filter(recipient=user).order_by("id").values_list("kind", flat=True)
    )


def after(order: Order, **delta) -> time_machine.travel:
    """The clock `delta` after `order` was placed (ticking: the live server's requests
    time out on it)."""
    return time_machine.travel(order.created_at + timedelta(**delta), tick=True)


@pytest.fixture
def shop(django_user_model):
    """(owner, vendor) of an approved shop."""
    return make_shop(django_user_model)


def test_an_unpaid_alipay_order_waits_30_minutes_then_closes_and_gives_everything_back(
    sandbox_site, shop
):
    owner, vendor = shop
    oranges = ProductFactory(vendor=vendor, price=Decimal("50.00"), stock=10)
    flash_sale = running_promotion(oranges, kind="special_price", value="39.90", units_cap=5)
    order = checkout((oranges, 2))
    oranges.refresh_from_db()
    flash_sale.refresh_from_db()
    assert (oranges.stock, flash_sale.units_sold, order.total) == (8, 2, Decimal("79.80"))
    payment = start(order, "alipay", "phone")  # the shopper opened Alipay, did not pay
    assert trade_of(payment).state == SandboxTrade.State.WAITING

    with after(order, minutes=29):
        assert services.close_overdue_orders() == {}
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert trade_of(payment).state == SandboxTrade.State.WAITING

    with after(order, minutes=30, seconds=5):
        assert services.close_overdue_orders() == {"closed": 1}
        page = open_page(payment)  # the shopper comes back to Alipay's page to pay

    order.refresh_from_db()
    payment.refresh_from_db()
    oranges.refresh_from_db()
    flash_sale.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    closing = OrderEvent.objects.get(order=order, part=None, to_status=Order.Status.CANCELLED)
    assert (closing.note, closing.by) == ("Not paid in time", None)
    assert payment.state == Payment.State.CLOSED
    assert trade_of(payment).state == SandboxTrade.State.CLOSED
    assert "This trade is closed" in page.text and 'value="pay"' not in page.text
    assert (oranges.stock, flash_sale.units_sold) == (10, 0)
    assert kinds_of(order.shopper) == ["order_closed_unpaid"]
    assert kinds_of(owner) == []  # never told of the order: it was not paid


def test_pay_pressed_on_a_page_opened_before_the_close_fails(sandbox_site):
    order = checkout((ProductFactory(), 1))
    payment = services.start_payment(
        order, gateway_code="alipay", device="desktop", client_ip="127.0.0.1"
    )
    browser = requests.Session()
    page = browser.get(payment.resume_url, timeout=10)  # Alipay's page, left open
    token = CSRF.search(page.text).group(1)

    with after(order, minutes=31):
        assert services.close_overdue_orders() == {"closed": 1}
        answer = browser.post(
            page.url,
            data={"csrfmiddlewaretoken": token, "action": "pay"},
            headers={"Referer": page.url},
            allow_redirects=False,
            timeout=10,
        )

    assert answer.status_code == 409
    assert "This trade is closed" in answer.text
    assert trade_of(payment).state == SandboxTrade.State.CLOSED
    assert trade_of(payment).notices.count() == 0
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED


@pytest.mark.django_db
def test_an_online_order_with_no_payment_started_closes_after_30_minutes(shop):
    owner, vendor = shop
    oranges = ProductFactory(vendor=vendor, stock=10)
    order = checkout((oranges, 3), payment_method="wechat_pay")

    with time_machine.travel(order.created_at + timedelta(minutes=29), tick=False):
        assert services.close_overdue_orders() == {}
    with time_machine.travel(order.created_at + timedelta(minutes=31), tick=False):
        assert services.close_overdue_orders() == {"closed": 1}

    order.refresh_from_db()
    oranges.refresh_from_db()
    assert (order.status, oranges.stock) == (Order.Status.CANCELLED, 10)
    assert kinds_of(order.shopper) == ["order_closed_unpaid"]
    assert kinds_of(owner) == []


@pytest.mark.django_db
def test_a_bank_transfer_waits_72_hours_and_its_shops_hear_it_closed(shop):
    owner, vendor = shop
    oranges = ProductFactory(vendor=vendor, stock=10)
    order = checkout((oranges, 2), payment_method="bank_transfer")
    assert kinds_of(owner) == ["new_order"]  # told when it was placed

    with time_machine.travel(order.created_at + timedelta(hours=71), tick=False):
        assert services.close_overdue_orders() == {}
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    with time_machine.travel(order.created_at + timedelta(hours=72, minutes=1), tick=False):
        assert services.close_overdue_orders() == {"closed": 1}

    order.refresh_from_db()
    oranges.refresh_from_db()
    assert (order.status, oranges.stock) == (Order.Status.CANCELLED, 10)
    assert OrderEvent.objects.get(order=order, part=None, to_status="cancelled").note == (
        "Not paid in time"
    )
    assert kinds_of(order.shopper) == ["order_placed", "order_closed_unpaid"]
    assert kinds_of(owner) == ["new_order", "order_closed_unpaid"]


def test_the_sweep_asks_the_gateway_first_and_a_payment_whose_notification_was_lost_pays(
    sandbox_site, shop
):
    owner, vendor = shop
    oranges = ProductFactory(vendor=vendor, stock=10)
    order = checkout((oranges, 1))
    payment = start(order, "alipay", "phone")
    SandboxTrade.objects.filter(trade_number=payment.trade_number).update(
        notify_url=dead_url() + reverse("payments:notify", args=["alipay"])
    )
    pay_in_sandbox(payment)  # paid at Alipay; its notification never reaches the store
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert trade_of(payment).notices.get().delivered_at is None

    with after(order, minutes=31):
        assert services.close_overdue_orders() == {"paid": 1}

    order.refresh_from_db()
    payment.refresh_from_db()
    oranges.refresh_from_db()
    assert (order.status, payment.state) == (Order.Status.CONFIRMED, Payment.State.PAID)
    assert trade_of(payment).state == SandboxTrade.State.PAID
    assert oranges.stock == 9
    assert kinds_of(order.shopper) == ["order_placed"]
    assert kinds_of(owner) == ["new_order"]


def test_both_trades_close_when_the_shopper_tried_alipay_on_the_phone_and_wechat_on_the_desktop(
    sandbox_site,
):
    order = checkout((ProductFactory(), 1))
    on_phone = start(order, "alipay", "phone")
    on_desktop = start(order, "wechat_pay", "desktop")
    assert on_desktop.qr_text and on_phone.trade_number != on_desktop.trade_number

    with after(order, minutes=31):
        assert services.close_overdue_orders() == {"closed": 1}

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    for payment in (on_phone, on_desktop):
        payment.refresh_from_db()
        assert payment.state == Payment.State.CLOSED
        assert trade_of(payment).state == SandboxTrade.State.CLOSED
    assert "This order is closed" in open_page(on_desktop).text


def test_shops_are_asked_to_ship_an_online_order_only_once_it_is_paid(sandbox_site, shop, client):
    owner, vendor = shop
    client.force_login(owner)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    order = checkout((ProductFactory(vendor=vendor), 1))
    part = order.parts.get()
    to_ship = reverse("vendor:orders") + "?status=pending"

    assert "waiting to ship" not in client.get(reverse("vendor:home")).content.decode()
    assert order.number not in client.get(to_ship).content.decode()
    assert order.number in client.get(reverse("vendor:orders")).content.decode()  # all
    shipping = client.post(
        reverse("vendor:order_ship", args=[part.pk]),
        {"carrier": "sf", "tracking_number": "SF1234567890"},
        follow=True,
    )
    assert "not confirmed yet" in shipping.content.decode()
    part.refresh_from_db()
    assert part.status == "pending"

    pay_in_sandbox(start(order, "alipay", "phone"))

    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED
    assert "1 order waiting to ship" in client.get(reverse("vendor:home")).content.decode()
    assert order.number in client.get(to_ship).content.decode()
    client.post(
        reverse("vendor:order_ship", args=[part.pk]),
        {"carrier": "sf", "tracking_number": "SF1234567890"},
    )
    part.refresh_from_db()
    assert part.status == "shipped"


def test_the_impact_board_counts_an_online_order_from_the_moment_it_is_paid(sandbox_site, client):
    oranges = ProductFactory(price=Decimal("59.90"), net_weight_g=5000, stock=10)
    order = checkout((oranges, 2))

    board = client.get(reverse("orders:impact"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<dd data-figure="orders">0</dd>' in board
    assert '<dd data-figure="revenue">¥0.00</dd>' in board

    pay_in_sandbox(start(order, "alipay", "desktop"))

    board = client.get(reverse("orders:impact"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<dd data-figure="orders">1</dd>' in board
    assert '<dd data-figure="revenue">¥119.80</dd>' in board
    assert '<dd data-figure="tons">0.01 t</dd>' in board  # 10 kg

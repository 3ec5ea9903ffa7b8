"""After-sales money seen from outside, with real processes: gunicorn (two workers) and a
Celery worker on the test database and Redis. A shopper pays an Alipay order of two
lines over HTTP and asks to cancel both before shipment; then, all at the same moment,
two of the shop's members approve the two requests while the owner cancels the whole
part. The worker, which asks the gateway for each refund, is SIGKILLed right after and
another starts. Whatever the order things ran in, the sandbox gateway must hold refunds
adding up to exactly what was paid (never more), each unit must be back on sale once,
and no answer may be a 500."""

import shutil
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from aftersales.models import AfterSalesRequest
from aftersales.services import sweep_due_requests
from aftersales.states import State
from catalog.models import VendorMember
from gateway_sandbox import keys
from gateway_sandbox.models import SandboxRefund
from orders.impact import rollups
from orders.impact.models import DailySales
from orders.models import Order, OrderLine, OrderPart
from payments.models import Payment, Refund
from payments.services.refunds import retry_pending_refunds
from settlement.books import check_books
from settlement.models import CommissionRate, LedgerEntry
from settlement.selectors import balances
from tests.aftersales.helpers import crayfish, with_freight
from tests.core.test_redis_outage import make_shopper
from tests.factories import ProductFactory
from tests.payments.test_outside import CASHIER, Shopper
from tests.support.processes import Processes, service_env
from tests.support.smtp_server import free_port

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql"
    or not settings.REDIS_URL
    or shutil.which("redis-server") is None,
    reason="needs PostgreSQL, Redis and redis-server: gunicorn and the worker run in "
    "processes of their own, and SQLite's test database lives in this one's memory",
)
PASSWORD = "a-shopper-password"
STOCK = 50


def member(django_user_model, vendor, username):
    user = make_shopper(django_user_model, username)
    VendorMember.objects.create(vendor=vendor, user=user)
    return user


def open_cancel_request(shopper: Shopper, order: Order, line: OrderLine) -> str:
    """The shopper asks, from the order page's link, to cancel `line`: the request's number."""
    path = reverse("aftersales:new", args=[order.number, line.pk])
    assert shopper.get(path).status_code == 200
    answer = shopper.post(
        path, {"kind": "cancel_line", "reason": "not_needed", "quantity": line.quantity}
    )
    assert answer.status_code == 302, answer.text[:500]
    return AfterSalesRequest.objects.get(line=line).number


def settled(payment: Payment) -> bool:
    return not Refund.objects.filter(payment=payment, state=Refund.State.PENDING).exists()


@pytest.mark.django_db(transaction=True)
def test_a_shop_approving_two_cancellations_while_cancelling_their_part_refunds_what_was_paid_once(
    django_user_model, private_redis, tmp_path, settings
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    keys.sandbox_keys("alipay")
    tray = crayfish(stock=STOCK)
    vendor = tray.vendor
    eggs = ProductFactory(vendor=vendor, price=Decimal("36.50"), net_weight_g=1500, stock=STOCK)
    with_freight(vendor)
    CommissionRate.objects.create(
        scope=CommissionRate.Scope.DEFAULT, rate=Decimal("0.05"), effective_from=timezone.now()
    )
    make_shopper(django_user_model, "xiaohong")
    owner = member(django_user_model, vendor, "zigui-owner")
    members = [member(django_user_model, vendor, f"zigui-{n}") for n in range(2)]
    port = free_port()
    settings.SITE_URL = (
        f"http://127.0.0.1:{port}"  # this process plays beat: it asks the sandbox too
    )
    env = service_env(
        redis_url=private_redis.url,
        SITE_URL=f"http://127.0.0.1:{port}",
        PAYMENT_SANDBOX="1",
        PAYMENT_SANDBOX_DIR=settings.PAYMENT_SANDBOX_DIR,
    )
    with Processes(tmp_path) as started:
        first = started.worker(env, "first")
        server = started.gunicorn(env, workers=2, port=port)
        shopper = Shopper(server.url)
        assert shopper.sign_in("xiaohong").status_code == 302
        shopper.post(reverse("orders:cart_add", args=[eggs.pk]), {"quantity": 2})
        cashier = shopper.place_order(tray, "alipay")
        assert shopper.pay(cashier, "alipay") in (200, 302)
        order = Order.objects.get(number=CASHIER.match(cashier)[1])
        deadline = time.monotonic() + 30
        while order.status != Order.Status.CONFIRMED and time.monotonic() < deadline:
            time.sleep(0.5)
            order.refresh_from_db()
        assert order.status == Order.Status.CONFIRMED
        payment = Payment.objects.get(order=order, state=Payment.State.PAID)
        part = OrderPart.objects.get(order=order)
        assert part.shipping_fee > 0
        lines = list(OrderLine.objects.filter(part=part).order_by("pk"))
        numbers = [open_cancel_request(shopper, order, line) for line in lines]

        shop = [Shopper(server.url) for _ in range(3)]
        for browser, user in zip(shop, [*members, owner], strict=True):
            assert browser.sign_in(user.username).status_code == 302
        go = threading.Barrier(3)
        answers = [None] * 3

        def approve(index, number):
            go.wait()
            answers[index] = shop[index].post(
                reverse("vendor:aftersales_step", args=[number, "approve"]), {}
            )

        def cancel_the_part():
            go.wait()
            answers[2] = shop[2].post(
                reverse("vendor:order_cancel", args=[part.pk]),
                {"reason": "冷链车坏了，发不了货", "confirm": "on"},
            )

        threads = [
            threading.Thread(target=approve, args=(0, numbers[0])),
            threading.Thread(target=approve, args=(1, numbers[1])),
            threading.Thread(target=cancel_the_part),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        first.kill()  # SIGKILL: refunds it was asking the gateway for are cut off
        started.worker(env, "second")

        deadline = time.monotonic() + 60
        while not settled(payment) and time.monotonic() < deadline:
            time.sleep(2)
            # Beat's sweep, a minute later: refunds still pending are asked again.
            Refund.objects.filter(state=Refund.State.PENDING).update(
                created_at=timezone.now() - timedelta(minutes=2)
            )
            retry_pending_refunds()
        # Requests the part's cancellation overtook: the sweep closes them at their deadline.
        sweep_due_requests(now=timezone.now() + timedelta(days=30))
        log = server.output()

    # Each answer is done (302) or a refusal naming why (400: the part was cancelled
    # first, say); never a 500.
    statuses = [answer.status_code for answer in answers]
    assert all(status in (302, 400) for status in statuses), (statuses, log[-3000:])
    assert 302 in statuses
    assert all(status in (200, 302) for _, status in shopper.statuses), shopper.statuses
    assert "Traceback" not in log, log[-3000:]

    payment.refresh_from_db()
    refunds = Refund.objects.filter(payment=payment)
    assert set(refunds.values_list("state", flat=True)) == {Refund.State.SUCCEEDED}
    at_the_gateway = sum(
        SandboxRefund.objects.filter(trade__trade_number=payment.trade_number).values_list(
            "amount_fen", flat=True
        )
    )
    # Everything was given back, and not one fen more: both lines and the shipping fee.
    assert at_the_gateway == int(payment.amount * 100) == int(order.total * 100)
    assert payment.refunded == payment.amount
    assert payment.state == Payment.State.REFUNDED
    for product in (tray, eggs):
        product.refresh_from_db()
        assert product.stock == STOCK, product
    part.refresh_from_db()
    assert part.status == OrderPart.Status.CANCELLED
    assert not AfterSalesRequest.objects.filter(state__in=[State.REQUESTED]).exists()
    for line in OrderLine.objects.filter(part=part):
        assert line.refunded_amount <= line.line_total
    # Nothing of the order counts on the impact board (the increments left zeros), and
    # the rebuild from the order lines agrees.
    day = timezone.localdate(order.created_at)
    counted = DailySales.objects.filter(day=day).exclude(orders=0, weight_g=0, revenue_fen=0)
    assert not counted.exists()
    rollups.rebuild_day(day)
    assert not counted.exists()
    # The shop was credited the order when it was paid and debited each refund once, its
    # commission given back: nothing of the order is left in its balance, and the books
    # balance.
    assert balances(vendor.pk).total == Decimal("0.00")
    assert LedgerEntry.objects.filter(vendor=vendor, kind=LedgerEntry.Kind.SALE).count() == 1
    assert check_books().balanced, check_books()

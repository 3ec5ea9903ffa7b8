"""Online payment seen from outside, with real processes: gunicorn (two workers) and a
Celery worker on the test database and a Redis of the test's own, shoppers over HTTP
placing Alipay and WeChat Pay orders and paying each on the sandbox gateway's page. The
sandbox's notifications go out from the worker; it is SIGKILLed once mid-way (another
starts, as systemd would) and Redis is stopped for a moment. This process plays the
sandbox's beat: the notifications missed are sent again. Every order must end paid
once, and no page may fail."""

import re
import shutil
import time
from decimal import Decimal

import pytest
import requests
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from gateway_sandbox import keys
from gateway_sandbox.models import SandboxNotice
from gateway_sandbox.tasks import deliver_due_notices_task
from orders.models import Order, OrderEvent
from payments.models import GatewayNotification, Payment, Refund
from settlement.books import check_books
from settlement.models import CommissionRate, LedgerEntry
from settlement.services.rates import commission_on
from tests.core.test_redis_outage import RedisServer, make_shopper
from tests.factories import ProductFactory
from tests.support.payments import press
from tests.support.processes import Processes, service_env
from tests.support.smtp_server import free_port

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql"
    or not settings.REDIS_URL
    or shutil.which("redis-server") is None,
    reason="needs PostgreSQL, Redis and redis-server: gunicorn and the worker run in "
    "processes of their own, and SQLite's test database lives in this one's memory",
)
SHOPPERS = 4
ORDERS_EACH = 5
RATE = Decimal("0.0500")
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"
CASHIER = re.compile(r"^/pay/([^/]+)/$")


class Shopper:
    """A shopper's phone browser: cookies kept, redirects not followed, every answer's
    status recorded by path."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": PHONE, "Accept-Language": "en"})
        self.statuses: list[tuple[str, int]] = []

    def get(self, path: str) -> requests.Response:
        answer = self.session.get(self.base + path, allow_redirects=False, timeout=30)
        self.statuses.append((path, answer.status_code))
        return answer

    def post(self, path: str, data: dict) -> requests.Response:
        data = {**data, "csrfmiddlewaretoken": self.session.cookies.get("csrftoken")}
        answer = self.session.post(
            self.base + path,
            data=data,
            headers={"Referer": self.base + path},
            allow_redirects=False,
            timeout=30,
        )
        self.statuses.append((path, answer.status_code))
        return answer

    def sign_in(self, username: str) -> requests.Response:
        self.get(reverse("login"))
        return self.post(reverse("login"), {"username": username, "password": "a-shopper-password"})

    def place_order(self, product, method: str) -> str:
        """Check one of `product` out, paid by `method`: the cashier's path."""
        self.post(reverse("orders:cart_add", args=[product.pk]), {"quantity": 1})
        html = self.get(reverse("orders:checkout")).text
        placed = self.post(
            reverse("orders:checkout"),
            {
                "address": re.search(r'name="address" value="(\d+)"', html)[1],
                "payment_method": method,
                "idempotency_key": re.search(r'name="idempotency_key" value="([0-9a-f]+)"', html)[
                    1
                ],
            },
        )
        assert placed.status_code == 302, placed.text[:500]
        cashier = placed.headers["Location"]
        assert CASHIER.match(cashier), cashier
        return cashier

    def pay(self, cashier: str, method: str) -> int:
        """Open the cashier, choose `method`, and press Pay on the gateway's page: the
        status of that last answer."""
        assert self.get(cashier).status_code == 200
        started = self.post(cashier, {"gateway": method})
        assert started.status_code == 302, started.text[:500]
        answer = press(started.headers["Location"], "pay")
        self.statuses.append(("sandbox: pay", answer.status_code))
        return answer.status_code


def commission_taken(vendor) -> Decimal:
    return -sum(
        LedgerEntry.objects.filter(vendor=vendor, kind=LedgerEntry.Kind.COMMISSION).values_list(
            "amount", flat=True
        ),
        Decimal("0"),
    )


def all_paid(numbers: list[str]) -> bool:
    return (
        Order.objects.filter(number__in=numbers, status=Order.Status.CONFIRMED).count()
        == len(numbers)
        and not SandboxNotice.objects.filter(delivered_at__isnull=True).exists()
    )


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.close()


@pytest.mark.django_db(transaction=True)
def test_orders_paid_over_http_are_paid_once_through_a_worker_crash_and_a_redis_outage(
    django_user_model, redis_server, tmp_path, settings
):
    # The server checks passwords with the project's hashers, not the suite's fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    for gateway in ("alipay", "wechat_pay"):  # made once here, read by every process
        keys.sandbox_keys(gateway)
    CommissionRate.objects.create(
        scope=CommissionRate.Scope.DEFAULT, rate=RATE, effective_from=timezone.now()
    )
    product = ProductFactory(stock=SHOPPERS * ORDERS_EACH + 5)
    usernames = [f"shopper-{i}" for i in range(SHOPPERS)]
    for username in usernames:
        make_shopper(django_user_model, username)
    port = free_port()
    env = service_env(
        redis_url=redis_server.url,
        SITE_URL=f"http://127.0.0.1:{port}",
        PAYMENT_SANDBOX="1",
        PAYMENT_SANDBOX_DIR=settings.PAYMENT_SANDBOX_DIR,
    )
    started_at = time.monotonic()
    with Processes(tmp_path) as started:
        first = started.worker(env, "first")
        server = started.gunicorn(env, workers=2, port=port)
        shoppers = [Shopper(server.url) for _ in usernames]
        for shopper, username in zip(shoppers, usernames, strict=True):
            assert shopper.sign_in(username).status_code == 302
        to_pay = [
            (shopper, shopper.place_order(product, method), method)
            for shopper in shoppers
            for method in ["alipay", "wechat_pay"] * (ORDERS_EACH // 2) + ["alipay"]
        ][: SHOPPERS * ORDERS_EACH]
        paid = []

        def pay(count):
            for shopper, cashier, method in to_pay[len(paid) : len(paid) + count]:
                paid.append((cashier, shopper.pay(cashier, method)))

        pay(8)
        first.kill()  # SIGKILL mid-way: notifications in flight are lost
        pay(4)  # no worker: their notifications wait in Redis
        started.worker(env, "second")
        pay(3)
        redis_server.stop()  # a moment without Redis: the hand-overs fail
        pay(2)
        redis_server.start()
        pay(len(to_pay) - len(paid))

        numbers = [CASHIER.match(cashier)[1] for cashier, _ in paid]
        deadline = time.monotonic() + 30
        while not all_paid(numbers) and time.monotonic() < deadline:
            time.sleep(2)
            # The sandbox's beat, minutes later: the notifications the store did not
            # take are due again (Alipay retries after 4 min, WeChat Pay after 15 s).
            SandboxNotice.objects.filter(delivered_at__isnull=True).update(
                next_attempt_at=timezone.now()
            )
            deliver_due_notices_task()
        log = server.output()

    assert time.monotonic() - started_at < 90
    assert all(status in (200, 302) for _, status in paid), paid
    orders = list(Order.objects.filter(number__in=numbers))
    assert len(orders) == SHOPPERS * ORDERS_EACH
    assert {o.status for o in orders} == {Order.Status.CONFIRMED}
    for order in orders:
        confirmed = OrderEvent.objects.filter(
            order=order, part=None, to_status=Order.Status.CONFIRMED
        ).count()
        assert confirmed == 1, order.number
        assert list(Payment.objects.filter(order=order).values_list("state", flat=True)) == [
            Payment.State.PAID
        ], order.number
    assert not Refund.objects.exists()
    notices = SandboxNotice.objects.all()
    assert notices.count() == len(orders)
    assert not notices.filter(delivered_at__isnull=True).exists()
    assert GatewayNotification.objects.filter(
        verdict=GatewayNotification.Verdict.ACCEPTED
    ).count() == len(orders)
    assert not GatewayNotification.objects.filter(
        verdict=GatewayNotification.Verdict.REFUSED
    ).exists()
    statuses = [s for shopper in shoppers for s in shopper.statuses]
    assert [s for s in statuses if s[1] >= 500] == []
    assert "Internal Server Error" not in log and "Traceback" not in log, log[-3000:]
    # The shop's ledger booked each paid order once, in the transaction that confirmed
    # it (however many notifications came, whichever process took them), and the books
    # balance: every fen captured is the shop's or the platform's commission.
    sales = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.SALE, vendor=product.vendor)
    assert sales.count() == len(orders)
    assert sorted(sales.values_list("part__order__number", flat=True)) == sorted(numbers)
    assert commission_taken(product.vendor) == sum(
        (commission_on(o.total - o.shipping_fee, RATE) for o in orders), Decimal("0")
    )
    assert check_books().balanced

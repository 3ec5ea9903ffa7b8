"""Payout runs seen from outside, with real processes: gunicorn (three workers) on the
test database. Two staff members confirm a payout run at the same moment, each twice
(a double click), while a gunicorn worker is SIGKILLed in the middle; then one of them
runs it once more. Whatever ran first and whatever the kill cut off, each shop is paid
its available money exactly once, in one payout, the shops' balances are zero, the
books balance, and no answer is a 500."""

import os
import shutil
import signal
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from django.conf import settings

from settlement.books import check_books
from settlement.models import BankAccount, Payout, ShopAccount
from settlement.selectors import balances
from settlement.services import booking
from tests.factories import VendorFactory
from tests.payments.test_outside import Shopper
from tests.support.processes import Processes, service_env
from tests.support.smtp_server import free_port

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql"
    or not settings.REDIS_URL
    or shutil.which("redis-server") is None,
    reason="needs PostgreSQL and Redis: gunicorn runs in processes of its own, and "
    "SQLite's test database lives in this one's memory",
)
SHOPS = 12
NEW_RUN = "/admin/settlement/payoutrun/new/"


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid` (gunicorn's workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid …: comm may hold spaces, so split after its ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def confirm_run(staff: Shopper) -> int | str:
    """The run's confirmation as its page posts it (each with its own one-time key): the
    answer's status, or how the connection broke (the worker serving it was killed)."""
    data = {"minimum": "100.00", "confirmed": "True", "form_key": uuid.uuid4().hex}
    try:
        return staff.post(NEW_RUN, data).status_code
    except requests.ConnectionError:
        return "connection lost"


@pytest.mark.django_db(transaction=True)
def test_payout_runs_confirmed_at_once_through_a_killed_worker_pay_each_shop_once(
    django_user_model, private_redis, tmp_path, settings
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    for username in ("finance-a", "finance-b"):
        django_user_model.objects.create_user(
            username, password="a-shopper-password", is_staff=True, is_superuser=True
        )
    owed = {}
    for n in range(SHOPS):
        vendor = VendorFactory()
        BankAccount.objects.create(
            vendor=vendor,
            payee=f"秭归县第{n}果农合作社",
            bank="中国农业银行",
            account_number=f"62284800{n:08d}",
        )
        amount = Decimal("150.00") + n
        booking.adjust(vendor.pk, amount, note="Oranges sold at the county fair", by=None)
        owed[vendor.pk] = amount
    port = free_port()
    env = service_env(redis_url=private_redis.url, SITE_URL=f"http://127.0.0.1:{port}")

    with Processes(tmp_path) as started:
        server = started.gunicorn(env, workers=3, port=port)
        staff = [Shopper(server.url) for _ in range(4)]
        for browser, username in zip(
            staff, ["finance-a", "finance-a", "finance-b", "finance-b"], strict=True
        ):
            assert browser.sign_in(username).status_code == 302
            assert browser.get(NEW_RUN).status_code == 200
        go = threading.Barrier(len(staff) + 1)
        answers = [None] * len(staff)

        def confirm(index):
            go.wait()
            answers[index] = confirm_run(staff[index])

        threads = [threading.Thread(target=confirm, args=(i,)) for i in range(len(staff))]
        for thread in threads:
            thread.start()
        go.wait()
        time.sleep(0.05)
        workers = children_of(server.pid)
        assert len(workers) == 3
        os.kill(workers[0], signal.SIGKILL)  # a crash in the middle of someone's run
        for thread in threads:
            thread.join(60)
        time.sleep(1)  # the master starts another worker
        last = confirm_run(staff[0])
        log = server.output()

    assert all(answer in (200, 302, "connection lost") for answer in answers), answers
    # The last run paid what the killed one left, or found everything paid already.
    assert last in (200, 302), last
    assert "Traceback" not in log, log[-3000:]
    for vendor_id, amount in owed.items():
        payouts = list(Payout.objects.filter(vendor_id=vendor_id))
        assert [p.amount for p in payouts] == [amount], vendor_id
        assert balances(vendor_id).total == Decimal("0.00")
        assert ShopAccount.objects.get(vendor_id=vendor_id).balance == Decimal("0.00")
    assert Payout.objects.count() == SHOPS
    assert check_books().balanced

"""The daily reconciliation against the sandbox gateways' bills, over HTTP: orders paid
and one refunded through the sandbox match; each kind of difference, planted on one side,
is listed; staff see it on the admin page, the beat task logs it."""

import logging
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gateway_sandbox import trades
from gateway_sandbox.keys import sandbox_keys
from gateway_sandbox.models import SandboxRefund, SandboxTrade
from payments import gateways, services
from payments.models import Payment, Refund
from payments.money import to_fen
from payments.reconciliation import SHANGHAI, MismatchKind, reconcile, yesterday
from payments.tasks import reconcile_yesterday_task
from tests.factories import OrderFactory, UserFactory
from tests.support.payments import pay_in_sandbox

PAGE = "admin:payments_reconciliation"


def today():
    return datetime.now(SHANGHAI).date()


def paid(gateway, device="phone"):
    """An order paid through the sandbox: its payment, captured."""
    order = OrderFactory(payment_method=gateway)
    payment = services.start_payment(
        order, gateway_code=gateway, device=device, client_ip="127.0.0.1"
    )
    pay_in_sandbox(payment)
    payment.refresh_from_db()
    assert payment.state == Payment.State.PAID
    return payment


@pytest.fixture
def day_of_trades(sandbox_site):
    """Two Alipay payments and one WeChat Pay payment, the first refunded ¥1.00."""
    payments = [paid("alipay"), paid("alipay", "desktop"), paid("wechat_pay")]
    refund = services.refund_payment(
        payments[0], Decimal("1.00"), reason=Refund.Reason.STAFF, note="reconciliation test"
    )
    refund.refresh_from_db()
    assert refund.state == Refund.State.SUCCEEDED
    return payments, refund


def listed(reconciliation):
    return [(m.kind, m.entry, m.number, m.ours, m.theirs) for m in reconciliation.mismatches]


def planted_payment(*, paid_at=None, amount="12.30"):
    """A payment our database says is paid, that no gateway ever saw."""
    return Payment.objects.create(
        order=OrderFactory(payment_method="alipay"),
        gateway="alipay",
        scene=Payment.Scene.ALIPAY_WAP,
        amount=Decimal(amount),
        state=Payment.State.PAID,
        paid_at=paid_at or timezone.now(),
        gateway_trade_id="2099NOTATTHEGATEWAY",
    )


def test_a_day_whose_payments_and_refunds_all_match_lists_nothing(day_of_trades):
    payments, refund = day_of_trades

    reconciliation = reconcile(today())

    assert reconciliation.matched
    assert listed(reconciliation) == []
    alipay, wechat_pay = reconciliation.gateways
    assert (alipay.gateway, wechat_pay.gateway) == ("alipay", "wechat_pay")
    alipay_total = payments[0].amount + payments[1].amount
    for side in (alipay.ours, alipay.bill):
        assert (side.payments, side.payments_total, side.refunds, side.refunds_total) == (
            2,
            alipay_total,
            1,
            Decimal("1.00"),
        )
    for side in (wechat_pay.ours, wechat_pay.bill):
        assert (side.payments, side.payments_total, side.refunds) == (1, payments[2].amount, 0)
    assert reconcile(today() - timedelta(days=1)).gateways[0].ours.payments == 0


def test_reconciling_takes_one_query_for_payments_and_one_for_refunds(day_of_trades):
    planted_payment()
    # On SQLite the live server's sandbox shares the test's connection: its reads of the
    # bill are counted there too, so only the store's own tables are counted.
    with CaptureQueriesContext(connection) as queries:
        reconcile(today())

    ours = [q["sql"] for q in queries if '"gateway_sandbox_' not in q["sql"]]
    assert len(ours) == 2
    assert ours[0].startswith('SELECT "payments_payment"')
    assert ours[1].startswith('SELECT "payments_refund"')


def test_a_payment_paid_here_with_no_trade_at_the_gateway_is_missing_at_the_gateway(
    day_of_trades,
):
    planted = planted_payment()
    before_the_day = datetime.combine(today(), time.min, tzinfo=SHANGHAI) - timedelta(seconds=1)
    planted_payment(paid_at=before_the_day)  # the day before's: not in today's

    reconciliation = reconcile(today())

    assert listed(reconciliation) == [
        (MismatchKind.MISSING_AT_GATEWAY, "payment", planted.trade_number, Decimal("12.30"), None)
    ]
    assert reconciliation.mismatches[0].payment_id == planted.pk
    assert not reconciliation.gateways[0].matched
    assert reconciliation.gateways[1].matched
    assert reconciliation.gateways[0].ours.payments == 3


def test_a_trade_paid_at_the_gateway_with_no_payment_here_is_missing_here(day_of_trades):
    wechat_pay = gateways.gateway_for("wechat_pay")
    stranger = trades.create_trade(
        gateway="wechat_pay",
        merchant_id=wechat_pay.merchant_id,
        trade_number="PNOTOURS00000001",
        scene="h5",
        subject="not ours",
        amount_fen=4560,
        notify_url=gateways.notify_url("wechat_pay"),
    )
    trades.pay(stranger)

    reconciliation = reconcile(today())

    assert listed(reconciliation) == [
        (MismatchKind.MISSING_HERE, "payment", "PNOTOURS00000001", None, Decimal("45.60"))
    ]
    assert reconciliation.gateways[1].bill.payments == 2
    assert reconciliation.gateways[1].ours.payments == 1


def test_an_amount_changed_on_either_side_differs(day_of_trades):
    payments, _refund = day_of_trades
    Payment.objects.filter(pk=payments[1].pk).update(amount=payments[1].amount + 1)
    SandboxTrade.objects.filter(trade_number=payments[2].trade_number).update(
        amount_fen=to_fen(payments[2].amount) + 5
    )

    reconciliation = reconcile(today())

    assert listed(reconciliation) == [
        (
            MismatchKind.AMOUNT_DIFFERS,
            "payment",
            payments[1].trade_number,
            payments[1].amount + 1,
            payments[1].amount,
        ),
        (
            MismatchKind.AMOUNT_DIFFERS,
            "payment",
            payments[2].trade_number,
            payments[2].amount,
            payments[2].amount + Decimal("0.05"),
        ),
    ]


def test_a_refund_the_gateway_has_not_is_missing_at_the_gateway(day_of_trades):
    _payments, refund = day_of_trades
    SandboxRefund.objects.filter(refund_number=refund.refund_number).delete()

    assert listed(reconcile(today())) == [
        (MismatchKind.MISSING_AT_GATEWAY, "refund", refund.refund_number, Decimal("1.00"), None)
    ]


def test_a_refund_we_think_failed_is_missing_here(day_of_trades):
    _payments, refund = day_of_trades
    Refund.objects.filter(pk=refund.pk).update(state=Refund.State.FAILED)

    reconciliation = reconcile(today())

    assert listed(reconciliation) == [
        (MismatchKind.MISSING_HERE, "refund", refund.refund_number, None, Decimal("1.00"))
    ]
    assert reconciliation.mismatches[0].trade_number == refund.payment.trade_number


def test_a_bill_that_cannot_be_fetched_is_unavailable_and_the_other_gateway_still_reconciled(
    day_of_trades, settings
):
    keys = sandbox_keys("alipay")
    settings.ALIPAY_APP_ID = keys["app_id"]
    settings.ALIPAY_APP_PRIVATE_KEY = keys["merchant_private_key"]
    settings.ALIPAY_PUBLIC_KEY = keys["gateway_public_key"]
    settings.ALIPAY_GATEWAY_URL = "http://127.0.0.1:9/gateway.do"  # nothing listens

    reconciliation = reconcile(today())

    alipay, wechat_pay = reconciliation.gateways
    assert (alipay.unavailable, alipay.bill, alipay.mismatches) == (True, None, [])
    assert alipay.ours.payments == 2
    assert alipay.error
    assert wechat_pay.matched
    assert not reconciliation.matched


def test_staff_see_the_days_mismatches_with_links_to_our_rows(day_of_trades, staff_client):
    _payments, refund = day_of_trades
    planted = planted_payment()
    Refund.objects.filter(pk=refund.pk).update(amount=Decimal("2.00"))

    page = staff_client.get(reverse(PAGE), {"day": today().isoformat()})

    assert page.status_code == 200
    text = page.content.decode()
    assert text.count('class="mismatch-') == 2
    assert "Missing at the gateway" in text
    assert "Amount differs" in text
    assert reverse("admin:payments_payment_change", args=[planted.pk]) in text
    assert reverse("admin:payments_refund_change", args=[refund.pk]) in text
    assert "¥2.00" in text and "¥1.00" in text
    assert text.count("All matched") == 1  # WeChat Pay's
    assert f"?day={(today() - timedelta(days=1)).isoformat()}" in text
    assert f"?day={(today() + timedelta(days=1)).isoformat()}" not in text  # no bill yet


def test_the_page_shows_yesterday_unless_asked_and_falls_back_on_a_bad_day(
    sandbox_site, staff_client
):
    shown = staff_client.get(reverse(PAGE))
    assert shown.context["day"] == yesterday()
    assert shown.content.decode().count("All matched") == 2
    assert f"?day={today().isoformat()}" in shown.content.decode()

    for bad in ["garbage", "2024-02-30", "\x00", "2024-01-01\x00", "9999-12-31", "1999-12-31"]:
        page = staff_client.get(reverse(PAGE), {"day": bad})
        assert page.status_code == 200, bad
        assert page.context["day"] == yesterday()
        assert [m.level_tag for m in page.context["messages"]] == ["warning"]
        assert "showing yesterday" in page.content.decode()


def test_the_payments_list_links_to_the_reconciliation(db, staff_client):
    page = staff_client.get(reverse("admin:payments_payment_changelist"))

    assert page.status_code == 200
    assert reverse(PAGE) in page.content.decode()


def test_shoppers_and_staff_without_the_payments_permission_are_refused(db, client):
    shopper = UserFactory()
    client.force_login(shopper)
    assert client.get(reverse(PAGE)).status_code == 302  # to the admin's login

    clerk = UserFactory(is_staff=True)
    client.force_login(clerk)
    assert client.get(reverse(PAGE)).status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="view_payment"))
    assert client.get(reverse(PAGE)).status_code == 200


def test_the_morning_task_logs_each_of_yesterdays_mismatches(sandbox_site, caplog):
    planted = planted_payment(paid_at=timezone.now() - timedelta(days=1))

    with caplog.at_level(logging.WARNING, logger="payments"):
        reconcile_yesterday_task.delay()

    warnings = [r for r in caplog.records if r.name == "payments" and r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert planted.trade_number in warnings[0].getMessage()
    assert "missing_at_gateway" in warnings[0].getMessage()


def test_beat_reconciles_every_morning_at_half_past_ten():
    entry = django_settings.CELERY_BEAT_SCHEDULE["reconcile-payments"]

    assert entry["task"] == "payments.tasks.reconcile_yesterday_task"
    assert entry["schedule"] == crontab(hour=10, minute=30)


def test_the_page_speaks_chinese_to_staff_who_ask_for_it(sandbox_site, staff_client):
    page = staff_client.get(reverse(PAGE), {"day": "garbage"}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    text = page.content.decode()
    assert "对账" in text
    assert text.count("全部一致") == 2
    assert "“garbage”不是 2000-01-01 至今天之间的日期；显示昨天。" in text

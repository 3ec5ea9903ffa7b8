"""The payment pages run as many queries with one payment, refund or order as with
many: the cashier, the QR page, the status poll, the order page with its payment facts
and the order list with its Pay now buttons."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from payments.models import Payment, Refund
from tests.factories import OrderFactory, ShopperFactory


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured)


def unpaid_order(shopper, attempts):
    """An unpaid WeChat Pay order with `attempts` pending QR payments started."""
    order = OrderFactory(shopper=shopper, payment_method="wechat_pay")
    for n in range(attempts):
        Payment.objects.create(
            order=order,
            gateway="wechat_pay",
            scene="wechat_native",
            amount=order.total,
            qr_text=f"http://127.0.0.1/scan/{order.number}-{n}/",
        )
    return order


def paid_order(shopper, refunds):
    """A paid Alipay order with `refunds` refunds of ¥0.01."""
    order = OrderFactory(shopper=shopper, payment_method="alipay", status="confirmed")
    payment = Payment.objects.create(
        order=order,
        gateway="alipay",
        scene="alipay_wap",
        amount=order.total,
        state=Payment.State.REFUNDED_IN_PART if refunds else Payment.State.PAID,
        paid_at=timezone.now(),
        gateway_trade_id="2026120200001",
        refunded=Decimal("0.01") * refunds,
    )
    for _ in range(refunds):
        Refund.objects.create(payment=payment, amount=Decimal("0.01"), reason=Refund.Reason.STAFF)
    return order


def test_the_payment_pages_run_a_fixed_number_of_queries(db, client):
    counts = []
    for size in (1, 4):
        shopper = ShopperFactory()
        client.force_login(shopper)
        unpaid = unpaid_order(shopper, attempts=size)
        paid = paid_order(shopper, refunds=size)
        for _ in range(size):  # more orders for the list, each with its Pay now
            unpaid_order(shopper, attempts=1)
        counts.append(
            [
                queries(client, reverse("payments:cashier", args=[unpaid.number])),
                queries(client, reverse("payments:qr", args=[unpaid.number])),
                queries(client, reverse("payments:status", args=[unpaid.number])),
                queries(client, reverse("orders:detail", args=[unpaid.number])),
                queries(client, reverse("orders:detail", args=[paid.number])),
                queries(client, reverse("orders:history")),
            ]
        )
    assert counts[0] == counts[1]

"""The shopper's after-sales pages: asking from the order page, the request's page and
its steps, as a shopper's browser posts them (another shopper's: 404, garbage: never a
500), and the messages the shopper reads of each step, in both languages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aftersales import services
from aftersales.messages import TO_SHOP, notify_step
from aftersales.models import AfterSalesRequest, RequestPhoto
from aftersales.states import State
from notifications.delivery import deliver_pending
from notifications.models import LanguagePreference, Notification
from orders.models import OrderPart
from payments.models import Payment, Refund
from tests.aftersales.helpers import crayfish, first_line, placed, received, report
from tests.factories import (
    CategoryFactory,
    FreightRateFactory,
    FreightTemplateFactory,
    ShopperFactory,
    VendorMemberFactory,
    upload,
)

pytestmark = pytest.mark.django_db
Kind = AfterSalesRequest.Kind


@pytest.fixture
def order():
    """Two boxes of crayfish (¥176, shipping ¥10), received, paid in cash; the shop has a
    member to tell."""
    product = crayfish()
    VendorMemberFactory(vendor=product.vendor)
    template = FreightTemplateFactory(vendor=product.vendor, is_default=True)
    for group in ("hubei", "neighbours", "mainland"):
        FreightRateFactory(template=template, group=group)
    return received(placed((product, 2)))


def new_url(line):
    return reverse("aftersales:new", args=[line.part.order.number, line.pk])


def detail_url(request):
    return reverse("aftersales:detail", args=[request.number])


def step_url(request, step):
    return reverse("aftersales:step", args=[request.number, step])


def signed_in(client, user, language="en"):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def form(**changes):
    data = {
        "kind": Kind.REFUND_ONLY,
        "reason": "spoiled",
        "quantity": "2",
        "amount": "",
        "description": "Half of them were dead.",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_request_with_a_photo_is_opened_from_the_form_and_the_shop_is_told(client, order):
    line = first_line(order)
    signed_in(client, order.shopper)
    page = client.get(new_url(line)).content.decode()
    assert "You may ask for at most ¥186.00, shipping ¥10.00 included." in page
    assert 'type="file" name="photos" accept="image/jpeg,image/png,image/webp"' in page
    assert " multiple" in page

    response = client.post(new_url(line), {**form(), "photos": [upload("dead.jpg")]}, follow=True)

    opened = AfterSalesRequest.objects.get()
    assert response.redirect_chain == [(detail_url(opened), 302)]
    assert opened.state == State.REQUESTED and opened.quantity == 2
    assert opened.amount == line.line_total + line.part.shipping_fee
    assert RequestPhoto.objects.filter(request=opened).count() == 1
    assert Notification.objects.filter(kind=TO_SHOP).count() == 1
    page = response.content.decode()
    assert f"Your request {opened.number} is sent: the shop answers within 48 hours." in page
    assert "The shop answers by" in page and "otherwise it is approved automatically" in page
    photo = opened.photos.get()
    assert f'<a href="{photo.image.url}"' in page and f'src="{photo.thumbnail.url}"' in page


def test_the_window_shows_and_a_closed_one_refuses_creating_nothing(client, order):
    line = first_line(order)
    part = line.part
    signed_in(client, order.shopper)
    closes = timezone.localtime(part.delivered_at + timedelta(hours=168))
    page = client.get(new_url(line)).content.decode()
    assert f"After-sales closes on {closes:%Y-%m-%d %H:%M} (168 hours after receipt)." in page

    OrderPart.objects.filter(pk=part.pk).update(delivered_at=timezone.now() - timedelta(days=8))
    page = client.get(new_url(line)).content.decode()
    assert "After-sales for this item closed on" in page and "<form" not in page.split("<main")[-1]
    response = client.post(new_url(line), {**form(), "photos": [upload()]})

    assert response.status_code == 200
    assert "After-sales for this item closed on" in response.content.decode()
    assert AfterSalesRequest.objects.count() == 0
    assert Notification.objects.filter(kind=TO_SHOP).count() == 0


@pytest.mark.parametrize(
    ("changes", "photos", "error"),
    [
        ({"amount": "0"}, 1, "Enter an amount from ¥0.01 to ¥186.00."),
        ({"amount": "186.01"}, 1, "Enter an amount from ¥0.01 to ¥186.00."),
        ({"amount": "12.345"}, 1, "Ensure that there are no more than 2 decimal places."),
        ({"amount": "abc"}, 1, "Enter a number."),
        ({"quantity": "3"}, 1, "Choose between 1 and 2 units."),
        ({"quantity": "0"}, 1, "Choose between 1 and 2 units."),
        ({"quantity": "two"}, 1, "Enter a whole number."),
        ({}, 0, "Add a photo of what arrived: the shop decides from it."),
        ({}, 7, "Add at most 6 photos."),
        ({"kind": "cancel_line"}, 1, "Select a valid choice."),
        ({"reason": "not_needed"}, 1, "Select a valid choice."),
        ({"reason": "not_as_described"}, 1, "Choose one of the reasons listed for a"),
    ],
)
def test_a_bad_request_shows_its_mistake_and_creates_nothing(client, order, changes, photos, error):
    line = first_line(order)
    signed_in(client, order.shopper)
    data = {**form(**changes), "photos": [upload(f"p{n}.jpg") for n in range(photos)]}

    response = client.post(new_url(line), data)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert AfterSalesRequest.objects.count() == 0
    assert RequestPhoto.objects.count() == 0
    assert Notification.objects.filter(kind=TO_SHOP).count() == 0


def test_a_text_file_named_jpg_is_refused(client, order):
    line = first_line(order)
    signed_in(client, order.shopper)
    fake = upload("dead.jpg", content=b"<html>not a photo</html>")

    response = client.post(new_url(line), {**form(), "photos": [fake]})

    assert "This file is not a photo. Upload a JPEG, PNG or WebP image." in (
        response.content.decode()
    )
    assert AfterSalesRequest.objects.count() == 0


def test_an_amount_below_the_cap_is_asked_and_cancel_before_shipment_gets_all(client):
    order = placed((crayfish(), 2))
    line = first_line(order)
    signed_in(client, order.shopper)
    page = client.get(new_url(line)).content.decode()
    assert "Cancelling gives back what it cost: ¥176.00." in page
    assert 'name="amount"' not in page and 'name="photos"' not in page

    client.post(
        new_url(line),
        {"kind": "cancel_line", "reason": "not_needed", "quantity": "1", "amount": "1.00"},
    )

    cancelled = AfterSalesRequest.objects.get()
    assert (cancelled.kind, cancelled.quantity, cancelled.amount) == (
        Kind.CANCEL_LINE,
        1,
        Decimal("88.00"),
    )


def test_another_shoppers_line_request_and_steps_are_not_found(client, order):
    line = first_line(order)
    asked = report(line)
    signed_in(client, ShopperFactory())

    assert client.get(new_url(line)).status_code == 404
    assert client.post(new_url(line), {**form(), "photos": [upload()]}).status_code == 404
    assert client.get(detail_url(asked)).status_code == 404
    for step in ("accept", "escalate", "return", "withdraw"):
        assert client.post(step_url(asked, step), {"confirm": "on", "note": "x"}).status_code == 404
    assert client.get(reverse("aftersales:list")).content.decode().count(asked.number) == 0
    asked.refresh_from_db()
    assert asked.state == State.REQUESTED and asked.events.count() == 1


def test_signed_out_visitors_are_sent_to_sign_in(client, order):
    line = first_line(order)
    response = client.get(new_url(line))
    assert response.status_code == 302 and "login" in response["Location"]


def test_nul_bytes_anywhere_never_make_a_500(client, order):
    line = first_line(order)
    asked = report(line, photos=1)
    services.offer(asked, amount=Decimal("44.00"), note="half", by=None)
    signed_in(client, order.shopper)
    nul = "a\x00b"
    for name in ("kind", "reason", "quantity", "amount", "description"):
        response = client.post(new_url(line), {**form(**{name: nul}), "photos": [upload()]})
        assert response.status_code in (200, 404), name
    assert AfterSalesRequest.objects.count() == 1
    for data in ({"note": nul}, {"carrier": nul, "tracking_number": nul}, {"confirm": nul}):
        for step in ("escalate", "return", "withdraw"):
            response = client.post(step_url(asked, step), data)
            assert response.status_code in (200, 302, 404), (step, data)
    for url in (
        f"/orders/{order.number}%00/lines/{line.pk}/aftersales/",
        f"/aftersales/{asked.number}%00/",
        f"/aftersales/{asked.number}/accept%00/",
        "/aftersales/%00/",
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"confirm": "on"}).status_code in (404, 405), url
    asked.refresh_from_db()
    assert asked.state == State.OFFERED


def test_the_shopper_accepts_an_offer_from_the_page(client, order):
    asked = services.offer(
        report(first_line(order)), amount=Decimal("44.00"), note="Half were alive.", by=None
    )
    signed_in(client, order.shopper)
    page = client.get(detail_url(asked)).content.decode()
    assert "Accept ¥44.00" in page and "Half were alive." in page
    assert "otherwise the offer is accepted automatically" in page

    page = client.post(step_url(asked, "accept"), follow=True).content.decode()

    asked.refresh_from_db()
    assert asked.state == State.REFUNDED and asked.refunded_amount == Decimal("44.00")
    assert "You accepted the offer: the refund is on its way." in page
    assert "the shop owes you ¥44.00" in page
    # Twice (a second tab): refused with why, nothing more refunded.
    page = client.post(step_url(asked, "accept"), follow=True).content.decode()
    assert "This request is now “refunded”: that can no longer be done." in page
    assert first_line(order).refunded_amount == Decimal("44.00")


def test_escalating_needs_a_note_and_then_goes_to_staff(client, order):
    asked = services.refuse(report(first_line(order)), reason="They were alive.", by=None)
    signed_in(client, order.shopper)

    page = client.post(step_url(asked, "escalate"), {"note": "  "}).content.decode()
    assert "This field is required." in page
    asked.refresh_from_db()
    assert asked.state == State.REFUSED

    page = client.post(
        step_url(asked, "escalate"), {"note": "The photo shows them dead."}, follow=True
    ).content.decode()
    asked.refresh_from_db()
    assert asked.state == State.ESCALATED
    assert "Our staff will look at your request and decide." in page
    assert "The photo shows them dead." in page and "Our staff aim to decide by" in page


def test_a_return_is_sent_back_from_the_page(client, order):
    asked = report(first_line(order), kind=Kind.RETURN_REFUND)
    asked = services.approve_return(asked, return_address="湖北省潜江市 虾乡路 1 号", by=None)
    signed_in(client, order.shopper)
    page = client.get(detail_url(asked)).content.decode()
    assert "湖北省潜江市 虾乡路 1 号" in page and '<option value="sf">顺丰速运 SF Express' in page

    page = client.post(
        step_url(asked, "return"), {"carrier": "sf", "tracking_number": "12"}
    ).content.decode()
    assert "A tracking number is 6 to 30 letters and digits." in page
    page = client.post(
        step_url(asked, "return"), {"carrier": "sf", "tracking_number": "sf 1234 5678"}, follow=True
    ).content.decode()

    asked.refresh_from_db()
    assert asked.state == State.RETURNING and asked.return_tracking_number == "SF12345678"
    assert "Sent back with SF Express, tracking number SF12345678." in page


def test_withdrawing_asks_first(client, order):
    asked = report(first_line(order))
    signed_in(client, order.shopper)

    response = client.post(step_url(asked, "withdraw"))
    assert response.status_code == 302 and response["Location"].endswith("?withdraw=1")
    page = client.get(response["Location"]).content.decode()
    assert "Yes, withdraw it" in page
    asked.refresh_from_db()
    assert asked.state == State.REQUESTED

    client.post(step_url(asked, "withdraw"), {"confirm": "on"})
    asked.refresh_from_db()
    assert asked.state == State.CLOSED
    assert client.get(step_url(asked, "withdraw")).status_code == 405


def test_the_order_page_shows_the_link_then_the_request_then_the_refund(client, order):
    line = first_line(order)
    signed_in(client, order.shopper)
    url = reverse("orders:detail", args=[order.number])
    page = client.get(url).content.decode()
    assert f'href="{new_url(line)}">Request after-sales</a>' in page
    assert "After-sales closes on" in page

    asked = report(line)
    page = client.get(url).content.decode()
    assert f"After-sales {asked.number} (awaiting the shop&#x27;s answer)" in page
    assert "Request after-sales" not in page

    services.approve(asked, by=None)
    page = client.get(url).content.decode()
    assert f'href="{detail_url(asked)}">Refunded ¥186.00</a>' in page
    assert "Request after-sales" not in page  # all of it refunded


def test_the_pages_read_as_many_queries_for_3_requests_as_for_1(client):
    counts = []
    for size in (1, 3):
        shopper = ShopperFactory()
        order = received(placed(*[(crayfish(), 1) for _ in range(size)], shopper=shopper))
        requests = [report(line) for line in _lines(order)]
        signed_in(client, shopper)
        urls = [
            reverse("orders:detail", args=[order.number]),
            reverse("aftersales:list"),
            detail_url(requests[-1]),
            new_url(_lines(order)[0]),
        ]
        client.get(urls[0])
        row = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            row.append(len(queries))
        counts.append(row)
    assert counts[0] == counts[1]


def _lines(order):
    return [line for part in order.parts.all() for line in part.lines.all()]


def test_the_form_reads_in_chinese(client, order):
    line = first_line(order)
    signed_in(client, order.shopper, language="zh-hans")
    page = client.get(new_url(line)).content.decode()
    assert "申请售后" in page and "仅退款" in page and "退货退款" in page
    assert "最多可申请 ¥186.00，含运费 ¥10.00。" in page

    page = client.post(new_url(line), {**form(), "photos": []}).content.decode()
    assert "请上传收到的商品照片：店铺据此处理。" in page


@pytest.mark.parametrize(
    ("language", "offered", "refunded"),
    [
        ("en", "offers ¥44.00 of the ¥186.00 you asked for", "owes it to you"),
        ("zh-hans", "愿退款 ¥44.00（您申请 ¥186.00）", "由店铺退还给您"),
    ],
)
def test_the_shopper_reads_each_step_in_their_language(order, language, offered, refunded):
    LanguagePreference.objects.update_or_create(user=order.shopper, defaults={"language": language})
    asked = services.offer(
        report(first_line(order)), amount=Decimal("44.00"), note="半数存活", by=None
    )
    services.accept_offer(asked, by=order.shopper)

    deliver_pending()

    told = [m for m in mail.outbox if m.to == [order.shopper.email] and asked.number in m.subject]
    assert len(told) == 2
    assert offered in told[0].body and "半数存活" in told[0].body
    assert refunded in told[1].body and asked.number in told[1].subject
    assert f"/aftersales/{asked.number}/" in told[1].body


def test_the_messages_say_why_a_request_closed_and_where_a_refund_went(order, settings):
    shopper = order.shopper
    refused = services.refuse(report(first_line(order)), reason="Alive on arrival.", by=None)
    deliver_pending()  # as the worker does once the step commits
    services.sweep_due_requests(now=timezone.now() + timedelta(hours=100))  # refusal stands
    # Another order's line (the refused one may not be asked about again).
    other = received(placed((first_line(order).product, 1), shopper=shopper))
    returned = services.approve_return(
        report(first_line(other), kind=Kind.RETURN_REFUND),
        return_address="潜江市虾乡路 1 号",
        by=None,
    )
    deliver_pending()
    services.sweep_due_requests(now=timezone.now() + timedelta(days=8))  # never sent

    deliver_pending()

    bodies = [m.body for m in mail.outbox if m.to == [shopper.email] and "SH" in m.subject]
    assert any(
        "Its reason: Alive on arrival." in body and "ask the platform to step in by" in body
        for body in bodies
    )
    assert any("The shop's refusal stood" in body and refused.number in body for body in bodies)
    assert any("潜江市虾乡路 1 号" in body and "Send them by" in body for body in bodies)
    assert any(
        "The goods were not sent back in time" in body and returned.number in body
        for body in bodies
    )


def test_a_refund_through_the_gateway_says_where_the_money_went(order):
    asked = report(first_line(order))
    payment = Payment.objects.create(
        order=order,
        gateway="alipay",
        scene="alipay_wap",
        amount=order.total,
        state=Payment.State.PAID,
        paid_at=timezone.now(),
        gateway_trade_id="2026120200001",
    )
    refund = Refund.objects.create(
        payment=payment, amount=asked.amount, reason=Refund.Reason.AFTER_SALES
    )
    order.__class__.objects.filter(pk=order.pk).update(payment_method="alipay")
    AfterSalesRequest.objects.filter(pk=asked.pk).update(
        state=State.REFUNDED, refund=refund, refunded_amount=asked.amount
    )
    Notification.objects.all().delete()
    asked.refresh_from_db()
    notify_step(
        asked, asked.events.create(from_state="requested", to_state="refunded", actor="shop")
    )
    deliver_pending()

    body = next(m.body for m in mail.outbox if m.to == [order.shopper.email])
    assert "¥186.00 is refunded, back to your Alipay account" in body


def test_fresh_produce_has_48_hours_shown_in_chinese_on_the_order_page(client):
    fresh = CategoryFactory(aftersales_hours=48)
    order = received(placed((crayfish(category=fresh), 1)))
    line = first_line(order)
    signed_in(client, order.shopper, language="zh-hans")
    closes = timezone.localtime(line.part.delivered_at + timedelta(hours=48))

    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert f'href="{new_url(line)}">申请售后</a>' in page
    assert f"售后截止：{closes:%Y-%m-%d %H:%M}" in page
    page = client.get(new_url(line)).content.decode()
    assert f"售后截止：{closes:%Y-%m-%d %H:%M}（收货后 48 小时）。" in page

    OrderPart.objects.filter(pk=line.part_id).update(
        delivered_at=timezone.now() - timedelta(hours=49)
    )
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert "申请售后" not in page
    assert "（收货后 48 小时）" in client.get(new_url(line)).content.decode()


def test_the_order_history_links_to_my_after_sales(client, order):
    signed_in(client, order.shopper)
    page = client.get(reverse("orders:history")).content.decode()
    assert f'<a href="{reverse("aftersales:list")}">My after-sales</a>' in page

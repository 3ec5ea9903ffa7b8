"""The shop's side of after-sales in the vendor dashboard: its open requests with their
deadlines, each answer given from a request's page, isolation from other shops, bad
input, the dashboard's figures and the messages the shop reads."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aftersales import services
from aftersales.messages import TO_SHOP
from aftersales.models import AfterSalesRequest, RequestEvent
from aftersales.services.shop import OFFER_BELOW_ASKED
from aftersales.states import State
from aftersales.vendor_forms import ENTER_AN_AMOUNT, REFUSAL_NEEDED
from catalog.models import Product
from notifications.delivery import deliver_pending
from notifications.models import LanguagePreference, Notification
from orders.models import OrderPart
from orders.selectors import vendor_sales_summary
from tests.aftersales.helpers import Kind, crayfish, first_line, placed, received, report
from tests.factories import UserFactory, make_shop

pytestmark = pytest.mark.django_db
LIST = reverse("vendor:aftersales")


@pytest.fixture
def shop(django_user_model, client):
    """A signed-in owner of an approved shop, reading English: (client, owner, vendor)."""
    owner, vendor = make_shop(django_user_model)
    LanguagePreference.objects.create(user=owner, language="en")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(owner)
    return client, owner, vendor


def request_of(vendor, *, kind=Kind.REFUND_ONLY, quantity=2, price="88.00"):
    """A shopper's request about 2 boxes of the shop's crayfish they received."""
    order = received(placed((crayfish(price, vendor=vendor), quantity)))
    return report(first_line(order), kind=kind)


def detail(number):
    return reverse("vendor:aftersales_detail", args=[number])


def step(number, name):
    return reverse("vendor:aftersales_step", args=[number, name])


def unchanged(request):
    """The request's state and number of events, to compare after a refused answer."""
    request.refresh_from_db()
    return request.state, request.events.count(), request.refunded_amount


def test_the_open_tab_lists_open_requests_soonest_deadline_first(shop):
    client, _owner, vendor = shop
    later, sooner = request_of(vendor), request_of(vendor)
    now = timezone.now()
    AfterSalesRequest.objects.filter(pk=later.pk).update(due_at=now + timedelta(hours=40.5))
    AfterSalesRequest.objects.filter(pk=sooner.pk).update(due_at=now + timedelta(hours=23.5))
    withdrawn = services.withdraw(request_of(vendor), by=None)

    page = client.get(LIST).content.decode()

    assert page.index(sooner.number) < page.index(later.number)
    assert withdrawn.number not in page
    assert "Answer within 23 h" in page and "Answer within 40 h" in page
    assert "then it is approved automatically" in page
    assert "After-sales (2 open)" in page
    everything = client.get(LIST, {"tab": "all"}).content.decode()
    assert withdrawn.number in everything and sooner.number in everything
    home = client.get(reverse("vendor:home")).content.decode()
    due = timezone.localtime(now + timedelta(hours=23.5)).strftime("%Y-%m-%d %H:%M")
    assert "2 after-sales requests open" in home
    assert f"the first to answer by {due}" in home


def test_the_request_page_shows_what_was_asked_its_photos_and_history(shop):
    client, _owner, vendor = shop
    request = request_of(vendor)

    page = client.get(detail(request.number)).content.decode()

    photo = request.photos.get()
    assert f'<a href="{photo.image.url}"' in page and f'src="{photo.thumbnail.url}"' in page
    assert reverse("vendor:order", args=[request.part_id]) in page
    assert "2 units" in page and "Half of them were dead." in page
    assert f"¥{request.amount}" in page and "Spoiled or dead on arrival" in page
    assert f"Approve: refund ¥{request.amount}" in page
    assert "Shopper: awaiting the shop&#x27;s answer" in page


def test_approving_refunds_the_shopper_and_cash_on_delivery_is_owed_by_the_shop(shop):
    client, owner, vendor = shop
    request = request_of(vendor)

    response = client.post(step(request.number, "approve"))

    request.refresh_from_db()
    assert response["Location"] == detail(request.number)
    assert request.state == State.REFUNDED and request.owed_by_shop
    assert request.refunded_amount == request.amount
    assert request.events.last().by == owner
    page = client.get(detail(request.number)).content.decode()
    assert "Approved: the shopper is refunded and told." in page
    assert "owed to the shopper by your shop" in page
    assert 'action="' + step(request.number, "approve") not in page


def test_approving_a_return_gives_the_address_and_prefills_it_next_time(shop):
    client, _owner, vendor = shop
    first = request_of(vendor, kind=Kind.RETURN_REFUND)
    address = "潜江市 园林路 8 号 王师傅 13900001111"
    assert "潜江市" not in client.get(detail(first.number)).content.decode()

    client.post(step(first.number, "approve-return"), {"return_address": address})

    first.refresh_from_db()
    assert first.state == State.AWAITING_RETURN and first.return_address == address
    second = request_of(vendor, kind=Kind.RETURN_REFUND)
    page = client.get(detail(second.number)).content.decode()
    assert f"{address}</textarea>" in page


def test_offering_part_of_the_amount_waits_for_the_shopper(shop):
    client, _owner, vendor = shop
    request = request_of(vendor)

    client.post(step(request.number, "offer"), {"amount": "44.00", "note": "half alive"})

    request.refresh_from_db()
    assert request.state == State.OFFERED and request.offered_amount == Decimal("44.00")
    assert request.events.last().note == "half alive"
    assert (
        "The shopper answers your offer by" in client.get(detail(request.number)).content.decode()
    )


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("refuse", {"reason": ""}, REFUSAL_NEEDED),
        ("refuse", {"reason": "   "}, REFUSAL_NEEDED),
        ("refuse", {"reason": "dead\x00"}, "Null characters are not allowed."),
        ("offer", {"amount": "abc", "note": ""}, ENTER_AN_AMOUNT),
        ("offer", {"amount": "4\x004", "note": ""}, ENTER_AN_AMOUNT),
        ("offer", {"amount": "10", "note": "\x00"}, "Null characters are not allowed."),
        ("offer", {"amount": "-1", "note": ""}, "greater than or equal to 0.01"),
        ("approve-return", {"return_address": ""}, "Enter the address the shopper sends"),
    ],
)
def test_bad_input_says_what_is_wrong_and_changes_nothing(shop, name, data, error):
    client, _owner, vendor = shop
    kind = Kind.RETURN_REFUND if name == "approve-return" else Kind.REFUND_ONLY
    request = request_of(vendor, kind=kind)
    before = unchanged(request)

    response = client.post(step(request.number, name), data)

    assert response.status_code == 400
    assert str(error).replace("'", "&#x27;") in response.content.decode()
    assert unchanged(request) == before


def test_an_offer_not_below_what_was_asked_is_refused_by_the_service(shop):
    client, _owner, vendor = shop
    request = request_of(vendor)
    before = unchanged(request)

    response = client.post(step(request.number, "offer"), {"amount": str(request.amount)})

    assert response.status_code == 400
    message = str(OFFER_BELOW_ASKED) % {"asked": f"¥{request.amount}"}
    assert message in response.content.decode()
    assert unchanged(request) == before


def test_answering_a_request_the_sweep_approved_says_it_is_too_late(shop):
    client, _owner, vendor = shop
    request = request_of(vendor)
    services.sweep_due_requests(now=timezone.now() + timedelta(days=3))
    before = unchanged(request)

    response = client.post(step(request.number, "refuse"), {"reason": "too late"})

    assert response.status_code == 400
    assert "This request is now “refunded”: that can no longer be done." in (
        response.content.decode()
    )
    assert unchanged(request) == before


def test_confirming_the_goods_arrived_refunds_and_puts_them_back_in_stock(shop):
    client, _owner, vendor = shop
    request = request_of(vendor, kind=Kind.RETURN_REFUND)
    product = Product.objects.get(pk=request.line.product_id)
    stock = product.stock
    request = services.approve_return(request, return_address="潜江市 园林路 8 号", by=None)
    shopper = request.shopper
    request = services.send_return(
        request, carrier="sf", tracking_number="SF9876543210", by=shopper
    )
    page = client.get(detail(request.number)).content.decode()
    assert "Sent back with SF Express, tracking number SF9876543210." in page

    client.post(step(request.number, "received"))

    request.refresh_from_db()
    product.refresh_from_db()
    assert request.state == State.REFUNDED and request.received_back_at is not None
    assert product.stock == stock + 2


def test_another_shops_request_is_not_found_on_its_page_or_any_step(
    shop, django_user_model, client
):
    _client, _owner, _vendor = shop
    _other_owner, other_vendor = make_shop(django_user_model, name="qianjiang")
    theirs = request_of(other_vendor)
    before = unchanged(theirs)

    assert client.get(detail(theirs.number)).status_code == 404
    assert theirs.number not in client.get(LIST, {"tab": "all"}).content.decode()
    for name in ("approve", "approve-return", "offer", "refuse", "received", "nonsense"):
        response = client.post(
            step(theirs.number, name),
            {"amount": "1", "reason": "x", "return_address": "x", "note": ""},
        )
        assert response.status_code == 404, name
    # The shopper who asked, a member of no shop, is sent to apply for one.
    client.force_login(theirs.shopper)
    assert client.get(detail(theirs.number))["Location"] == reverse("vendor:apply")
    response = client.post(step(theirs.number, "approve"))
    assert response["Location"] == reverse("vendor:apply")
    assert unchanged(theirs) == before


def test_an_unknown_step_of_ones_own_request_is_not_found(shop):
    client, _owner, vendor = shop
    request = request_of(vendor)

    assert client.post(step(request.number, "delete")).status_code == 404
    assert client.get(step(request.number, "approve")).status_code == 405


@pytest.mark.parametrize("view", ["list", "detail"])
def test_pages_run_the_same_queries_for_one_request_or_three(shop, view):
    client, _owner, vendor = shop
    counts = []
    for _ in range(2):
        requests = [request_of(vendor) for _ in range(1 if not counts else 2)]
        url = LIST if view == "list" else detail(requests[-1].number)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_the_sales_summary_drops_by_what_was_refunded(shop):
    client, _owner, vendor = shop
    request = request_of(vendor)  # 2 × ¥88.00, 2 kg
    kept = OrderPart.objects.get(pk=request.part_id)
    assert "<dd>¥176.00</dd>" in client.get(reverse("vendor:home")).content.decode()

    services.offer(request, amount=Decimal("88.00"), note="one box", by=None)
    services.accept_offer(AfterSalesRequest.objects.get(pk=request.pk), by=request.shopper)

    kept.refresh_from_db()
    assert (kept.refunded_goods, kept.refunded_weight_g) == (Decimal("88.00"), 1000)
    home = client.get(reverse("vendor:home")).content.decode()
    assert "<dd>¥88.00</dd>" in home  # revenue, net of the refund
    assert "<dd>1.0 kg</dd>" in home  # half the money back: half the weight
    row = re.search(r"<tr><td>[^<]+</td>(.*?)</tr>", home.split("Top products")[1])[1]
    # The request was about both boxes, so both units count as refunded.
    assert row == '<td class="num">0</td><td class="num">1 kg</td><td class="num">¥88.00</td>'
    summary = vendor_sales_summary(vendor)
    assert summary.days[-1][1] == Decimal("88.00") and summary.best_day == Decimal("88.00")


@pytest.mark.parametrize(
    ("language", "subject", "body"),
    [
        ("en", "New after-sales request", "or it is approved automatically."),
        ("zh-hans", "新售后申请", "否则将自动同意。"),
    ],
)
def test_the_shop_reads_a_new_request_in_its_language(shop, language, subject, body):
    _client, owner, vendor = shop
    LanguagePreference.objects.filter(user=owner).update(language=language)
    deliver_pending()
    mail.outbox.clear()

    request = request_of(vendor)
    deliver_pending()

    (message,) = [m for m in mail.outbox if request.number in m.subject]
    assert subject in message.subject and request.number in message.subject
    assert body in message.body
    assert "× 2" in message.body and f"¥{request.amount}" in message.body
    assert detail(request.number) in message.body


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_step_the_shop_hears_of_renders_in_both_languages(shop, language):
    _client, owner, vendor = shop
    LanguagePreference.objects.filter(user=owner).update(language=language)
    staff = UserFactory(is_staff=True)
    refund = request_of(vendor)
    services.sweep_due_requests(now=timezone.now() + timedelta(days=3))  # approved: system
    refused = services.refuse(request_of(vendor), reason="they were alive", by=None)
    services.escalate(refused, note="all dead on arrival", by=refused.shopper)
    services.decide(
        AfterSalesRequest.objects.get(pk=refused.pk),
        amount=refused.amount,
        note="the photos show it",
        by=staff,
    )
    services.withdraw(request_of(vendor), by=None)
    returned = services.approve_return(
        request_of(vendor, kind=Kind.RETURN_REFUND), return_address="潜江市", by=None
    )
    services.send_return(returned, carrier="sf", tracking_number="SF9876543210", by=None)
    mail.outbox.clear()

    deliver_pending()

    to_shop = Notification.objects.filter(recipient=owner, kind=TO_SHOP)
    assert sorted(to_shop.values_list("context__step", flat=True)) == [
        "closed",
        "escalated",
        "refunded",
        "refunded",
        "requested",
        "requested",
        "requested",
        "requested",
        "returning",
    ]
    assert to_shop.filter(state="sent").count() == 9
    bodies = "\n".join(m.body for m in mail.outbox if m.to == [owner.email])
    expected = {
        "en": [
            "was not answered in time, so it was approved automatically",
            "all dead on arrival",
            "Their decision: the photos show it",
            "withdrew request",
            "SF Express, tracking number SF9876543210",
        ],
        "zh-hans": [
            "未按时答复，已自动同意",
            "all dead on arrival",
            "平台的决定：the photos show it",
            "撤回了售后申请",
            "通过顺丰速运寄回，运单号 SF9876543210",
        ],
    }[language]
    for text in expected:
        assert text in bodies, text
    assert refund.number in bodies
    assert RequestEvent.objects.filter(request=refund, actor="system").count() == 1

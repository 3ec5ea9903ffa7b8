"""When a shopper may ask, and for what: the windows by category (fresh produce 48 hours
after receipt, inherited down the category tree; other goods AFTERSALES_WINDOW_HOURS),
only cancelling before shipment, nothing for an unpaid or cancelled order or a line
with an open request; quantities and amounts up to what was paid for the line; photos.
Every refusal says why and writes nothing."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from aftersales import services
from aftersales.models import AfterSalesRequest, RequestPhoto
from aftersales.states import State
from aftersales.windows import eligibility, hours_by_category
from notifications.models import Notification
from orders import services as order_services
from tests.aftersales.helpers import (
    Kind,
    Reason,
    cancel_line,
    crayfish,
    first_line,
    fresh,
    placed,
    received,
    report,
    shipped,
)
from tests.factories import CategoryFactory, ShopperFactory, running_promotion, upload

SHANGHAI = ZoneInfo("Asia/Shanghai")
RECEIVED_AT = datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI)


def refusal(call) -> str:
    """The message of the ValidationError `call()` raises; nothing was written."""
    requests, photos, messages = (
        AfterSalesRequest.objects.count(),
        RequestPhoto.objects.count(),
        Notification.objects.count(),
    )
    with pytest.raises(ValidationError) as refused:
        call()
    assert AfterSalesRequest.objects.count() == requests
    assert RequestPhoto.objects.count() == photos
    assert Notification.objects.count() == messages
    return " ".join(refused.value.messages)


def received_at(when, product):
    with time_machine.travel(when, tick=False):
        return received(placed((product, 2)))


@pytest.fixture
def fresh_produce(db):
    """Fresh produce (48 h) and, under it, crayfish with no hours of its own."""
    parent = CategoryFactory(slug="fresh-produce", aftersales_hours=48)
    return CategoryFactory(slug="live-crayfish", parent=parent)


def test_fresh_produce_may_be_reported_for_48_hours_after_receipt_inherited(fresh_produce):
    order = received_at(RECEIVED_AT, crayfish(category=fresh_produce))
    line = first_line(order)

    allowed = eligibility(line, line.part, order, by_category=hours_by_category())
    assert allowed.hours == 48 and allowed.closes_at == RECEIVED_AT + timedelta(hours=48)
    with time_machine.travel(RECEIVED_AT + timedelta(hours=47, minutes=59), tick=False):
        assert report(line).state == State.REQUESTED
        AfterSalesRequest.objects.all().delete()
    with time_machine.travel(RECEIVED_AT + timedelta(hours=48), tick=False):
        message = refusal(lambda: report(line))
    assert message == (
        "After-sales for this item closed on 2026-06-03 10:00 (48 hours after you received "
        "it). Contact the shop if something is still wrong."
    )


def test_other_goods_have_the_stores_window(db, settings):
    oranges = crayfish(category=CategoryFactory(slug="oranges"))
    order = received_at(RECEIVED_AT, oranges)
    line = first_line(order)
    with time_machine.travel(RECEIVED_AT + timedelta(days=7) - timedelta(minutes=1), tick=False):
        assert report(line).state == State.REQUESTED
        AfterSalesRequest.objects.all().delete()
    with time_machine.travel(RECEIVED_AT + timedelta(days=7, minutes=1), tick=False):
        assert "closed on 2026-06-08 10:00 (168 hours" in refusal(lambda: report(line))
        settings.AFTERSALES_WINDOW_HOURS = 240  # the store's setting decides
        assert report(line).state == State.REQUESTED


def test_before_shipment_only_cancelling_a_line_is_possible(db):
    order = placed((crayfish(), 2))
    line = first_line(order)
    assert refusal(lambda: report(line)) == "“refund only” is not possible for this item now."
    assert "not possible" in refusal(lambda: report(line, kind=Kind.RETURN_REFUND))
    assert cancel_line(line).kind == Kind.CANCEL_LINE


def test_after_shipment_a_line_can_no_longer_be_cancelled(db):
    order = shipped(placed((crayfish(), 2)))
    assert refusal(lambda: cancel_line(first_line(order))) == (
        "“cancel this line” is not possible for this item now."
    )


def test_an_unpaid_order_is_refused(db):
    order = placed((crayfish(), 2), payment_method="bank_transfer")
    assert refusal(lambda: cancel_line(first_line(order))) == (
        "This order is not confirmed yet: pay for it first, or cancel it."
    )


def test_a_cancelled_order_says_it_was_cancelled(db):
    order = placed((crayfish(), 2))
    order_services.cancel_order(order, by=order.shopper)
    assert refusal(lambda: cancel_line(first_line(order))) == (
        "This part of the order was cancelled: there is nothing to refund."
    )


def test_another_shoppers_line_is_refused(db):
    line = first_line(received(placed((crayfish(), 2))))
    stranger = ShopperFactory()
    message = refusal(
        lambda: services.open_request(
            line, shopper=stranger, kind=Kind.REFUND_ONLY, reason=Reason.MISSING, quantity=1
        )
    )
    assert message == "This is not an item of your orders."


def test_a_second_open_request_on_a_line_is_refused_with_the_first_ones_number(db):
    line = first_line(received(placed((crayfish(), 2))))
    first = report(line, quantity=1)
    assert refusal(lambda: report(line, quantity=1)) == (
        f"This item already has an open request ({first.number}): see it first."
    )


def test_quantity_between_one_and_what_is_left(db):
    line = first_line(received(placed((crayfish(), 2))))
    assert refusal(lambda: report(line, quantity=3)) == "Choose between 1 and 2 units."
    assert refusal(lambda: report(line, quantity=0)) == "Choose between 1 and 2 units."


def test_a_promotion_priced_line_caps_at_what_was_paid(db):
    product = crayfish()
    running_promotion(product, value="10")  # 10 % off: ¥79.20 a box
    line = first_line(received(placed((product, 2))))
    assert line.line_total == Decimal("158.40")

    assert report(line, quantity=1).amount == Decimal("79.20")
    AfterSalesRequest.objects.all().delete()
    assert report(line).amount == Decimal("158.40")
    AfterSalesRequest.objects.all().delete()
    assert refusal(lambda: report(line, amount=Decimal("158.41"))) == (
        "Enter an amount from ¥0.01 to ¥158.40."
    )
    assert refusal(lambda: report(line, quantity=1, amount=Decimal("80.00"))) == (
        "Enter an amount from ¥0.01 to ¥79.20."
    )
    assert "¥0.01" in refusal(lambda: report(line, amount=Decimal("0")))
    assert "¥0.01" in refusal(lambda: report(line, amount="lots"))


def test_an_item_refunded_whole_can_no_longer_be_asked_about(db):
    line = first_line(received(placed((crayfish(), 2))))
    request = report(line)
    services.approve(request, by=None)
    assert (
        refusal(lambda: report(fresh(line), quantity=1)) == "This item has been refunded in full."
    )


def test_photos_are_required_for_spoiled_goods_and_at_most_six(db):
    line = first_line(received(placed((crayfish(), 2))))
    assert refusal(lambda: report(line, photos=0)) == (
        "Add a photo of what arrived: the shop decides from it."
    )
    assert refusal(lambda: report(line, photos=7)) == "Add at most 6 photos."
    assert report(line, reason=Reason.MISSING, photos=0).photos.count() == 0
    AfterSalesRequest.objects.all().delete()
    assert report(line, photos=6).photos.count() == 6


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_stored(db, settings):
    line = first_line(received(placed((crayfish(), 2))))
    text = upload("dead.jpg", content=b"these are not pixels", content_type="image/jpeg")
    message = refusal(
        lambda: services.open_request(
            line,
            shopper=line.part.order.shopper,
            kind=Kind.REFUND_ONLY,
            reason=Reason.SPOILED,
            quantity=1,
            photos=[upload("ok.jpg"), text],
        )
    )
    assert message
    stored = settings.MEDIA_ROOT / "aftersales"
    assert not stored.exists() or not any(stored.rglob("*.jpg"))


def test_a_description_with_a_nul_byte_is_kept_without_it(db):
    line = first_line(received(placed((crayfish(), 2))))
    request = report(line, description="dead\x00 on arrival")
    assert AfterSalesRequest.objects.get(pk=request.pk).description == "dead on arrival"

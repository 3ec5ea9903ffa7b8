"""The impact board net of refunds: its rows (store, category, county, vendor) are the
orders minus what after-sales refunded, whether kept by each step's increment or
rebuilt from the order lines; a refund approved days later corrects the day the order
was placed; a line refunded whole no longer counts its order for its vendor."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from aftersales import services
from orders import services as order_services
from orders.impact.models import Dimension
from orders.impact.rollups import rebuild_day
from tests.aftersales.helpers import (
    Kind,
    Reason,
    board,
    cancel_line,
    crayfish,
    lines_of,
    placed,
    received,
    report,
    staff_member,
)
from tests.factories import CategoryFactory, CountyFactory, VendorFactory

DAY1 = datetime(2026, 6, 1, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # 15:30 UTC
DAY3 = DAY1 + timedelta(days=2)


def row(day, dimension, key):
    return board(day).get((day, dimension, key), (0, 0, 0, 0))


def two_shops():
    """Qianjiang's crayfish (¥88, 1 kg) and eggs (¥30), Zigui's oranges (¥15)."""
    qianjiang, zigui = VendorFactory(), VendorFactory()
    fish = CategoryFactory(slug="aquatic")
    fish_county, orange_county = CountyFactory(), CountyFactory()
    return (
        crayfish(vendor=qianjiang, category=fish, origin_county=fish_county),
        crayfish("30.00", vendor=qianjiang, origin_county=fish_county),
        crayfish("15.00", vendor=zigui, origin_county=orange_county),
    )


def test_the_rows_after_refunds_of_every_kind_are_what_a_rebuild_computes(db):
    cray, eggs, oranges = two_shops()
    shopper_a = received(placed((cray, 3), (eggs, 2), (oranges, 4)))
    shopper_b = received(placed((cray, 2), (oranges, 1)))
    pending = placed((cray, 1), (eggs, 2))
    half_cancelled = placed((cray, 1), (eggs, 2), (oranges, 1))
    a_cray, a_eggs, a_oranges = lines_of(shopper_a)
    b_cray, b_oranges = lines_of(shopper_b)
    p_cray, p_eggs = lines_of(pending)
    day = timezone.localdate(shopper_a.created_at)
    sold = board(day)

    services.approve(report(a_cray, quantity=1), by=None)  # ¥88, 1 kg
    services.accept_offer(
        services.offer(report(a_eggs), amount=Decimal("25.00"), note="", by=None), by=None
    )
    ret = report(a_oranges, kind=Kind.RETURN_REFUND, reason=Reason.NOT_NEEDED, quantity=2, photos=0)
    ret = services.approve_return(ret, return_address="秭归", by=None)
    ret = services.send_return(ret, carrier="sf", tracking_number="SF7654321", by=None)
    services.confirm_returned(ret, by=None)
    services.approve(report(b_oranges), by=None)  # Zigui's only line of B: whole
    services.approve(cancel_line(p_eggs), by=None)
    staff_decided = services.escalate(
        services.refuse(report(b_cray), reason="no", by=None), note="yes", by=None
    )
    services.decide(staff_decided, amount=Decimal("100.00"), note="half dead", by=staff_member())
    services.approve(cancel_line(lines_of(half_cancelled)[1]), by=None)  # the eggs, then
    order_services.cancel_part(lines_of(half_cancelled)[0].part, reason="缺货", by=None)

    incremental = board(day)
    store = incremental[(day, Dimension.ALL.value, 0)]
    # each refund, and Qianjiang's part of the half-cancelled order (¥88 + ¥60)
    refunded_fen = 8800 + 2500 + 3000 + 1500 + 6000 + 10000 + 8800 + 6000
    assert store[3] == sold[(day, Dimension.ALL.value, 0)][3] - refunded_fen
    rebuild_day(day)
    assert board(day) == incremental


def test_a_refund_approved_days_later_corrects_the_day_the_order_was_placed(db):
    cray, _eggs, _oranges = two_shops()
    with time_machine.travel(DAY1, tick=False):
        order = received(placed((cray, 2)))
    with time_machine.travel(DAY3, tick=False):
        placed((cray, 1))  # day 3 has sales of its own
        day1, day3 = timezone.localdate(DAY1), timezone.localdate(DAY3)
        before1, before3 = board(day1), board(day3)
        services.approve(report(lines_of(order)[0], quantity=1), by=None)

    vendor = cray.vendor_id
    assert row(day1, Dimension.VENDOR.value, vendor) == (1, 1, 1000, 8800)
    assert before1[(day1, Dimension.VENDOR.value, vendor)] == (1, 2, 2000, 17600)
    assert board(day1)[(day1, Dimension.ALL.value, 0)] == (1, 1, 1000, 8800)
    assert board(day3) == before3  # untouched
    corrected = board(day1)
    rebuild_day(day1)
    assert board(day1) == corrected


def test_a_line_refunded_whole_no_longer_counts_its_order_for_its_vendor(db):
    cray, _eggs, oranges = two_shops()
    order = received(placed((cray, 1), (oranges, 2)))
    cray_line, orange_line = lines_of(order)
    day = timezone.localdate(order.created_at)
    qianjiang, zigui = cray.vendor_id, oranges.vendor_id
    assert row(day, Dimension.VENDOR.value, zigui) == (1, 2, 2000, 3000)

    services.approve(report(orange_line), by=None)

    assert row(day, Dimension.VENDOR.value, zigui) == (0, 0, 0, 0)
    assert row(day, Dimension.COUNTY.value, oranges.origin_county_id) == (0, 0, 0, 0)
    assert row(day, Dimension.VENDOR.value, qianjiang) == (1, 1, 1000, 8800)
    assert row(day, Dimension.ALL.value, 0) == (1, 1, 1000, 8800)  # the order still counts
    incremental = board(day)
    rebuild_day(day)
    assert board(day) == incremental

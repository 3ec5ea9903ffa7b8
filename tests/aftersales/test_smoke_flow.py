from decimal import Decimal

from aftersales import services
from aftersales.states import State
from orders.impact.models import DailySales, Dimension
from tests.aftersales.helpers import crayfish, first_line, placed, received, report


def store_row():
    return DailySales.objects.get(dimension=Dimension.ALL)


def test_cod_refund_offer_escalate_decide(db, django_capture_on_commit_callbacks):
    order = received(placed((crayfish(), 2)))
    line = first_line(order)
    before = store_row()
    request = report(line)
    assert request.state == State.REQUESTED
    assert request.amount == line.line_total + line.part.shipping_fee
    request = services.offer(request, amount=Decimal("44.00"), note="half", by=None)
    request = services.escalate(request, note="all dead", by=order.shopper)
    from tests.factories import UserFactory

    staff = UserFactory(is_staff=True)
    request = services.decide(request, amount=request.amount, note="photos show it", by=staff)
    assert request.state == State.REFUNDED and request.owed_by_shop
    line.refresh_from_db()
    assert line.refunded_amount == line.line_total
    after = store_row()
    assert after.weight_g == before.weight_g - 2000
    assert after.revenue_fen == before.revenue_fen - 17600
    assert list(request.events.values_list("to_state", flat=True)) == [
        "requested",
        "offered",
        "escalated",
        "refunded",
    ]

"""After-sales under concurrency, on PostgreSQL: whatever runs at once (a shop approving
while the sweep approves the same request, two staff members deciding together, two
requests on a part's lines approved while the shop cancels that part), the shopper is
never refunded more than was paid, at the sandbox gateway or on the order lines, and a
request is refunded once. Each call runs in a thread with its own connection."""

from datetime import timedelta
from decimal import Decimal
from functools import partial

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from aftersales import services
from aftersales.models import AfterSalesRequest, RequestEvent
from aftersales.states import State
from orders import services as order_services
from orders.models import OrderLine, OrderPart
from payments.models import Payment, Refund
from tests.aftersales.helpers import (
    cancel_line,
    crayfish,
    first_line,
    lines_of,
    owner_of,
    paid_online,
    received,
    reload,
    report,
    staff_member,
    stock_of,
    with_freight,
)
from tests.payments.test_refunds import sandbox_refunds
from tests.support.races import all_at_once

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
pytestmark = pytest.mark.skipif(
    not ON_POSTGRES,
    reason="parallel transactions need PostgreSQL (SQLite's test database is in memory, "
    "one connection serialises them)",
)
ROUNDS = 3


def refused_or_done(outcomes):
    """Every outcome is a result or a clear refusal, never a crash."""
    for outcome in outcomes:
        assert not isinstance(outcome, Exception) or isinstance(outcome, ValidationError), outcome
    return [o for o in outcomes if not isinstance(o, Exception)]


def assert_never_more_than_paid(order, payment):
    payment.refresh_from_db()
    refunds = Refund.objects.filter(payment=payment).exclude(state=Refund.State.FAILED)
    given = refunds.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    assert given == payment.refunded <= payment.amount
    assert sum(sandbox_refunds(payment).values()) == int(given * 100)
    for line in OrderLine.objects.filter(part__order=order):
        assert line.refunded_amount <= line.line_total
        assert line.refunded_quantity <= line.quantity
    for part in OrderPart.objects.filter(order=order):
        assert part.refunded_shipping <= part.shipping_fee
    return given


def test_two_lines_approved_while_the_shop_cancels_their_part_refund_what_was_paid_once(
    sandbox_site,
):
    for _ in range(ROUNDS):
        eggs = crayfish("30.00")
        fish = crayfish("50.00", vendor=eggs.vendor)
        with_freight(eggs.vendor)  # 3 kg: ¥12
        order, payment = paid_online((eggs, 2), (fish, 1))
        eggs_line, fish_line = lines_of(order)
        shop = owner_of(eggs.vendor)
        first, second = cancel_line(eggs_line), cancel_line(fish_line)
        part = OrderPart.objects.get(pk=eggs_line.part_id)

        outcomes = all_at_once(
            [
                partial(services.approve, first, by=shop),
                partial(services.approve, second, by=shop),
                partial(order_services.cancel_part, part, reason="冻害", by=shop),
            ],
            language="en",
        )

        refused_or_done(outcomes)
        if isinstance(outcomes[2], Exception):
            # Both approvals came first: refunding every item cancelled the part itself,
            # so the shop's cancellation is refused with a reason, and nothing else moves.
            assert outcomes[2].messages == ["A part that is cancelled cannot be cancelled."]
            assert reload(first).state == reload(second).state == State.REFUNDED
            assert OrderPart.objects.get(pk=part.pk).status == OrderPart.Status.CANCELLED
        # Whichever came first, the shopper has all of it back, once, and the stock too.
        assert assert_never_more_than_paid(order, payment) == payment.amount == Decimal("122.00")
        assert stock_of(eggs) == 100 and stock_of(fish) == 100
        for request in (first, second):
            state = reload(request).state
            assert state in (State.REFUNDED, State.REQUESTED)  # refused: open, for the sweep
        # The sweep closes those the part's cancellation refunded, and gives nothing more.
        services.sweep_due_requests(now=timezone.now() + timedelta(days=3))
        assert {reload(r).state for r in (first, second)} <= {State.REFUNDED, State.CLOSED}
        assert assert_never_more_than_paid(order, payment) == Decimal("122.00")


def test_the_shop_and_the_sweep_approving_the_same_request_refund_it_once(sandbox_site):
    for _ in range(ROUNDS):
        order, payment = paid_online((crayfish(), 2))
        received(order)
        request = report(first_line(order))
        AfterSalesRequest.objects.filter(pk=request.pk).update(
            due_at=timezone.now() - timedelta(minutes=1)
        )

        outcomes = all_at_once(
            [
                partial(services.approve, request, by=owner_of(order.parts.get().vendor)),
                services.sweep_due_requests,
            ],
            language="en",
        )

        refused_or_done(outcomes)
        assert RequestEvent.objects.filter(request=request, to_state=State.REFUNDED).count() == 1
        assert Refund.objects.filter(payment=payment).count() == 1
        assert assert_never_more_than_paid(order, payment) == Decimal("176.00")
        assert reload(request).state == State.REFUNDED


def test_two_staff_members_deciding_at_once_refund_once(sandbox_site):
    for _ in range(ROUNDS):
        order, payment = paid_online((crayfish(), 2))
        received(order)
        request = services.refuse(report(first_line(order)), reason="no", by=None)
        request = services.escalate(request, note="they were dead", by=order.shopper)
        one, other = staff_member(), staff_member()

        outcomes = all_at_once(
            [
                partial(services.decide, request, amount=Decimal("176.00"), note="a", by=one),
                partial(services.decide, request, amount=Decimal("150.00"), note="b", by=other),
            ],
            language="en",
        )

        done = refused_or_done(outcomes)
        assert len(done) == 1
        refused = next(o for o in outcomes if isinstance(o, ValidationError))
        assert refused.messages == ["This request is now “refunded”: that can no longer be done."]
        assert RequestEvent.objects.filter(request=request, to_state=State.REFUNDED).count() == 1
        assert assert_never_more_than_paid(order, payment) == reload(request).refunded_amount
        assert Payment.objects.get(pk=payment.pk).refunded in (Decimal("176.00"), Decimal("150.00"))

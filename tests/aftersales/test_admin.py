"""Arbitration (平台介入) in the admin: the escalation queue by deadline, a request's photos
and timeline, staff's decision (the amount and why, recorded with who), refused without
the permission or with bad input, and decided once when two staff press Decide at once."""

from datetime import timedelta
from decimal import Decimal
from functools import partial

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from aftersales import services
from aftersales.models import AfterSalesRequest, RequestEvent
from aftersales.services.common import NOT_NOW
from aftersales.services.staff import DECISION_REASON
from aftersales.states import State
from orders.models import OrderLine
from payments.models import Refund
from tests.aftersales.helpers import crayfish, first_line, placed, received, report
from tests.factories import UserFactory
from tests.payments.test_refunds import paid_order, sandbox_refunds
from tests.support.races import all_at_once

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
QUEUE = reverse("admin:aftersales_aftersalesrequest_changelist")


def escalated(order=None, *, offer=None, due_in_hours=None, photos=1):
    """A request on `order` (a received COD order of two boxes of crayfish unless given)
    the shop refused (or offered `offer` for) and the shopper escalated; its deadline
    moved to `due_in_hours` from now when given."""
    order = order or received(placed((crayfish(), 2)))
    request = report(first_line(order), photos=photos)
    if offer is None:
        request = services.refuse(request, reason="They were alive when sent.", by=None)
    else:
        request = services.offer(request, amount=Decimal(offer), note="Half of them.", by=None)
    request = services.escalate(request, note="All of them were dead.", by=order.shopper)
    if due_in_hours is not None:
        due_at = timezone.now() + timedelta(hours=due_in_hours, minutes=30)
        AfterSalesRequest.objects.filter(pk=request.pk).update(due_at=due_at)
        request.refresh_from_db()
    return request


def decide_url(request):
    return reverse("admin:aftersales_aftersalesrequest_decide", args=[request.pk])


def change_url(request):
    return reverse("admin:aftersales_aftersalesrequest_change", args=[request.pk])


def decision(amount, note="The photos show every crayfish dead.", confirm="on"):
    return {"amount": amount, "note": note, "confirm": confirm}


def staff_member(*permissions, username=None):
    """A staff member (not a superuser) with the aftersales `permissions`."""
    user = UserFactory(is_staff=True, **({"username": username} if username else {}))
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="aftersales", codename__in=permissions)
    )
    return user


def staff_client(*permissions, username=None):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff_member(*permissions, username=username))
    return client


ARBITER = ("view_aftersalesrequest", "decide_aftersalesrequest")


def test_the_queue_lists_escalated_requests_by_deadline_with_their_photos(db):
    later = escalated(due_in_hours=20)
    overdue = escalated(due_in_hours=-6)
    waiting = report(first_line(received(placed((crayfish(), 1)))))
    client = staff_client(*ARBITER)

    opened = client.get(QUEUE)
    assert opened.status_code == 302 and opened["Location"].endswith("?queue=staff")
    page = client.get(opened["Location"]).content.decode()

    assert page.index(overdue.number) < page.index(later.number)
    assert waiting.number not in page
    assert "late by 5 h" in page and "in 20 h" in page
    assert reverse("admin:orders_order_change", args=[overdue.order_id]) in page
    everything = client.get(QUEUE, {"queue": "all"}).content.decode()
    assert waiting.number in everything and overdue.number in everything

    request_page = client.get(change_url(overdue)).content.decode()
    photo = overdue.photos.get()
    assert photo.thumbnail.url in request_page and photo.image.url in request_page
    assert "All of them were dead." in request_page  # the shopper's message, in the timeline
    assert "They were alive when sent." in request_page
    assert decide_url(overdue) in request_page
    assert 'name="amount"' not in request_page  # nothing edited by hand
    assert decide_url(waiting) not in client.get(change_url(waiting)).content.decode()


def test_deciding_the_full_amount_on_cash_on_delivery_is_owed_by_the_shop(db):
    request = escalated(offer="44.00")
    client = staff_client(*ARBITER, username="arbiter-li")
    form = client.get(decide_url(request)).content.decode()
    assert f'value="{request.amount}"' in form  # prefilled with what was asked
    assert f"?amount={request.offered_amount}" in form  # and a link for the offer

    response = client.post(decide_url(request), decision(str(request.amount)))

    assert response.status_code == 302 and response["Location"] == change_url(request)
    request.refresh_from_db()
    assert (request.state, request.refunded_amount, request.owed_by_shop, request.refund) == (
        State.REFUNDED,
        request.amount,
        True,
        None,
    )
    event = request.events.last()
    assert (event.to_state, event.actor, event.by.username, event.note, event.amount) == (
        State.REFUNDED,
        AfterSalesRequest.Actor.STAFF,
        "arbiter-li",
        "The photos show every crayfish dead.",
        request.amount,
    )
    line = OrderLine.objects.get(pk=request.line_id)
    assert line.refunded_amount == line.line_total
    page = client.get(response["Location"]).content.decode()
    assert f"Request {request.number} decided: ¥{request.amount} refunded." in page
    assert "arbiter-li" in page and "The photos show every crayfish dead." in page
    assert decide_url(request) not in page  # decided: no more button


def test_deciding_zero_closes_the_request_with_nothing_refunded(db):
    request = escalated()
    client = staff_client(*ARBITER)

    response = client.post(decide_url(request), decision("0", note="The box was fine."))

    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.state, request.refunded_amount, request.owed_by_shop) == (
        State.CLOSED,
        None,
        False,
    )
    event = request.events.last()
    assert (event.to_state, event.amount, event.note) == (
        State.CLOSED,
        Decimal("0"),
        "The box was fine.",
    )
    assert OrderLine.objects.get(pk=request.line_id).refunded_amount == 0


@pytest.mark.parametrize(
    ("amount", "note", "confirm", "error"),
    [
        ("88.00", "", "on", "This field is required."),
        ("88.00", "   ", "on", "This field is required."),
        ("88.00", "why", "", "This field is required."),
        ("abc", "why", "on", "Enter a number."),
        ("12\x00", "why", "on", "Enter a number."),
        ("88.00", "why\x00", "on", "Null characters are not allowed."),
        ("-1", "why", "on", "Ensure this value is greater than or equal to 0."),
        ("NaN", "why", "on", "Enter a number."),
        ("1e999", "why", "on", "Ensure that there are no more than"),
        ("500.00", "why", "on", "That is more than the shopper asked for (¥"),
        ("88.001", "why", "on", "Ensure that there are no more than 2 decimal places."),
    ],
)
def test_a_decision_with_bad_input_is_refused_on_the_form_and_changes_nothing(
    db, amount, note, confirm, error
):
    request = escalated()
    events = request.events.count()
    client = staff_client(*ARBITER)

    response = client.post(decide_url(request), decision(amount, note=note, confirm=confirm))

    assert response.status_code == 200
    assert error in response.content.decode()
    request.refresh_from_db()
    assert (request.state, request.refunded_amount, request.events.count()) == (
        State.ESCALATED,
        None,
        events,
    )


def test_a_decision_without_a_note_is_refused_by_the_service_too(db):
    request = escalated()
    with pytest.raises(Exception, match=str(DECISION_REASON)):
        services.decide(request, amount=Decimal("1.00"), note="  ", by=staff_member())
    request.refresh_from_db()
    assert request.state == State.ESCALATED


def test_garbage_in_the_address_or_the_quick_link_is_no_error(db):
    request = escalated()
    client = staff_client(*ARBITER)

    assert client.get(f"{QUEUE}abc/decide/").status_code == 404
    assert client.get(f"{QUEUE}999999/decide/").status_code == 404
    for amount in ("abc", "\x00", "-5", "sNaN", "1e999", "Infinity"):
        page = client.get(decide_url(request), {"amount": amount})
        assert page.status_code == 200
        assert f'value="{request.amount}"' in page.content.decode()
    assert client.get(QUEUE, {"queue": "\x00", "q": "\x00"}).status_code == 200


def test_staff_without_the_decide_permission_are_refused(db):
    request = escalated()
    viewer = staff_client("view_aftersalesrequest")
    assert viewer.get(change_url(request)).status_code == 200
    assert decide_url(request) not in viewer.get(change_url(request)).content.decode()

    assert viewer.get(decide_url(request)).status_code == 403
    assert viewer.post(decide_url(request), decision("88.00")).status_code == 403

    request.refresh_from_db()
    assert (request.state, request.events.count()) == (State.ESCALATED, 3)


def test_a_decided_request_cannot_be_decided_again(db):
    request = escalated()
    client = staff_client(*ARBITER)
    client.post(decide_url(request), decision("0"))

    page = client.post(decide_url(request), decision(str(request.amount)))

    assert page.status_code == 200
    assert "no longer waiting for staff" in page.content.decode()
    request.refresh_from_db()
    assert (request.state, request.events.count()) == (State.CLOSED, 4)


def test_the_queue_runs_the_same_queries_for_one_request_or_three(db):
    client = staff_client(*ARBITER)
    escalated()

    def queries():
        with CaptureQueriesContext(connection) as context:
            assert client.get(QUEUE, {"queue": "staff"}).status_code == 200
        return len(context.captured_queries)

    one = queries()
    escalated(), escalated()
    assert AfterSalesRequest.objects.filter(state=State.ESCALATED).count() == 3
    assert queries() == one


def test_a_decision_on_an_order_paid_online_refunds_through_the_gateway(sandbox_site):
    order, payment = paid_order((crayfish(), 2))
    request = escalated(received(order), offer="44.00")
    client = staff_client(*ARBITER)

    response = client.post(decide_url(request), decision(str(request.amount)))

    assert response.status_code == 302
    request.refresh_from_db()
    refund = Refund.objects.get(payment=payment)
    assert request.refund == refund and not request.owed_by_shop
    assert (refund.reason, refund.state, refund.amount, refund.note) == (
        Refund.Reason.AFTER_SALES,
        Refund.State.SUCCEEDED,
        request.amount,
        request.number,
    )
    assert sandbox_refunds(payment) == {refund.refund_number: int(request.amount * 100)}
    page = client.get(change_url(request)).content.decode()
    assert reverse("admin:payments_refund_change", args=[refund.pk]) in page


@pytest.mark.skipif(not ON_POSTGRES, reason="parallel transactions need PostgreSQL")
def test_two_staff_deciding_at_once_make_one_decision_and_one_refund(sandbox_site):
    order, payment = paid_order((crayfish(), 2))
    request = escalated(received(order))
    clients = [staff_client(*ARBITER, username=f"arbiter-{n}") for n in range(2)]

    def press(client, amount):
        return client.post(decide_url(request), decision(amount))

    responses = all_at_once(
        [partial(press, clients[0], str(request.amount)), partial(press, clients[1], "50.00")],
        language="en",
    )

    codes = sorted(response.status_code for response in responses)
    assert codes == [200, 302]
    refused = next(r for r in responses if r.status_code == 200).content.decode()
    with translation.override("en"):
        assert str(NOT_NOW % {"current": State.REFUNDED.label}) in refused
    request.refresh_from_db()
    decisions = RequestEvent.objects.filter(request=request, actor=AfterSalesRequest.Actor.STAFF)
    assert decisions.count() == 1
    refund = Refund.objects.get(payment=payment)
    assert refund.amount == request.refunded_amount == decisions.get().amount
    assert sandbox_refunds(payment) == {refund.refund_number: int(refund.amount * 100)}

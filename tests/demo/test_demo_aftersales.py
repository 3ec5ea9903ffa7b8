"""The demo store's after-sales: fresh categories answer within 48 hours of receipt, and
the admin's escalation queue and the shops' dashboards have requests at every stage."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from aftersales.models import AfterSalesRequest
from aftersales.states import State
from catalog.models import Category

pytestmark = pytest.mark.django_db


def seed(products=40):
    out = StringIO()
    call_command("seed_demo", products=products, no_progress=True, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_demo_has_requests_at_every_stage_and_an_escalation_queue(staff_client):
    output = seed()

    assert "After-sales: 5 new requests" in output
    states = sorted(AfterSalesRequest.objects.values_list("state", flat=True))
    assert states == sorted(
        [State.ESCALATED, State.ESCALATED, State.REQUESTED, State.OFFERED, State.REFUNDED]
    )
    refunded = AfterSalesRequest.objects.get(state=State.REFUNDED)
    assert refunded.owed_by_shop and refunded.refunded_amount == refunded.amount
    queue = AfterSalesRequest.objects.filter(state=State.ESCALATED).order_by("due_at")
    assert all(request.photos.exists() for request in queue)
    page = staff_client.get(
        reverse("admin:aftersales_aftersalesrequest_changelist"), {"queue": "staff"}
    ).content.decode()
    assert page.index(queue[0].number) < page.index(queue[1].number)
    assert "late by 26 h" in page
    fresh = Category.objects.filter(slug__in=["crayfish", "citrus", "eggs", "lotus-root"])
    assert set(fresh.values_list("aftersales_hours", flat=True)) == {48}
    assert Category.objects.get(slug="tea").aftersales_hours is None

    Category.objects.filter(slug="eggs").update(aftersales_hours=72)
    again = seed()

    assert "After-sales: 0 new requests" in again
    assert AfterSalesRequest.objects.count() == 5
    assert Category.objects.get(slug="eggs").aftersales_hours == 72

"""Only browsers holding a viewer id signed by a stream page count as viewers, and one
address mints a bounded number of them per minute."""

import pytest
from django.core import signing
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import reverse

from livestream import counters, viewers

pytestmark = pytest.mark.django_db


def _poll(client, stream):
    return client.get(reverse("livestream:counters", args=[stream.slug]), HTTP_ACCEPT_LANGUAGE="en")


def test_five_hundred_polls_without_the_cookie_add_no_viewer(live):
    for _ in range(500):
        response = Client().get(reverse("livestream:counters", args=[live.slug]))
        assert response.status_code == 200
        assert viewers.VIEWER_COOKIE not in response.cookies

    assert counters.audience(live.pk) == (0, 0)
    page = _poll(Client(), live).content.decode()
    assert '<dd data-counter="watching">0</dd>' in page
    assert '<dd data-counter="viewers">0</dd>' in page


@pytest.mark.parametrize(
    "value",
    [
        "0123456789abcdef",  # a bare id, as the cookie used to hold
        "0123456789abcdef:1uXyZa:forged-signature-forged-signature-aaaa",
        signing.TimestampSigner(salt="another-use").sign("0123456789abcdef"),
        "\x00",
    ],
    ids=["bare", "forged-signature", "signed-for-another-use", "nul"],
)
def test_unsigned_or_forged_viewer_ids_add_no_viewer(live, value):
    client = Client()
    client.cookies[viewers.VIEWER_COOKIE] = value

    for _ in range(3):
        assert _poll(client, live).status_code == 200

    assert counters.audience(live.pk) == (0, 0)


def test_a_visit_of_the_stream_page_makes_one_viewer_who_stays_one(live):
    client = Client()

    client.get(live.get_absolute_url())
    first = _poll(client, live).content.decode()
    client.get(live.get_absolute_url())  # a reload keeps the same id
    for _ in range(5):
        again = _poll(client, live).content.decode()

    assert client.cookies[viewers.VIEWER_COOKIE]["httponly"] is True
    assert '<dd data-counter="watching">1</dd>' in first
    assert '<dd data-counter="watching">1</dd>' in again
    assert '<dd data-counter="viewers">1</dd>' in again
    assert counters.audience(live.pk) == (1, 1)


def test_an_address_past_its_budget_of_new_viewers_adds_no_more(live, settings, monkeypatch):
    settings.STREAM_NEW_VIEWERS_PER_MINUTE = 3
    # One budget window for the whole test, however slow the machine: a new minute in the
    # middle of the loop would rightly give the address a fresh budget.
    monkeypatch.setattr(viewers, "_BUDGET_WINDOW", 24 * 3600)
    cookies_given = 0
    for _ in range(10):  # a script fetching the page and dropping the cookie each time
        client = Client(REMOTE_ADDR="203.0.113.7")
        page = client.get(live.get_absolute_url())
        assert page.status_code == 200
        cookies_given += viewers.VIEWER_COOKIE in page.cookies
        _poll(client, live)

    assert cookies_given == 3
    assert counters.audience(live.pk) == (3, 3)

    neighbour = Client(REMOTE_ADDR="198.51.100.20")  # another address has its own budget
    neighbour.get(live.get_absolute_url())
    _poll(neighbour, live)
    assert counters.audience(live.pk) == (4, 4)


def test_a_viewer_already_holding_an_id_spends_no_budget(live, settings, monkeypatch):
    settings.STREAM_NEW_VIEWERS_PER_MINUTE = 1
    monkeypatch.setattr(viewers, "_BUDGET_WINDOW", 24 * 3600)  # (as above)
    client = Client(REMOTE_ADDR="203.0.113.8")
    client.get(live.get_absolute_url())

    for _ in range(5):
        assert viewers.VIEWER_COOKIE in client.get(live.get_absolute_url()).cookies
    _poll(client, live)

    assert counters.audience(live.pk) == (1, 1)


def test_with_the_cache_unreachable_a_new_viewer_is_let_in(settings, rf):
    # The rest of the page's reads survive a cache outage elsewhere (page cache, counters);
    # here, the budget: it lets the viewer in rather than failing.
    settings.STREAM_NEW_VIEWERS_PER_MINUTE = 0
    unreachable = {
        "default": {
            "BACKEND": "core.redis_cache.FaultTolerantRedisCache",  # production's
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    response = HttpResponse()
    with override_settings(CACHES=unreachable):  # put back before the fixtures clear it
        viewer = viewers.give_viewer_id(rf.get("/live/qianjiang-live/"), response)

    assert len(viewer) == 16
    request = rf.get("/live/qianjiang-live/counters/")
    request.COOKIES[viewers.VIEWER_COOKIE] = response.cookies[viewers.VIEWER_COOKIE].value
    assert viewers.viewer_from(request) == viewer

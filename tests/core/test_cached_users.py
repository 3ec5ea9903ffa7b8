"""The signed-in user read from the cache (core/auth_backends.py): no query on a cached
page, and every change that must sign a session out or change what it may do still does,
at once."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.auth_backends import forget_cached_user
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db
PASSWORD = "orange-grove-2026"


@pytest.fixture
def shopper(django_user_model):
    return django_user_model.objects.create_user("cached-shopper", password=PASSWORD)


def signed_in(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user, backend="core.auth_backends.CachedModelBackend")
    return client


def shows_signed_in(client):
    html = client.get("/products/").content.decode()
    return "Sign out" in html and "Sign in" not in html


def test_a_signed_in_shopper_reads_a_cached_page_with_no_query(shopper, settings):
    ProductFactory()
    client = signed_in(shopper)
    client.get("/products/")  # the page, cached
    client.get("/products/")

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/products/")

    assert response["X-Page-Cache"] == "hit"
    assert "Sign out" in response.content.decode()
    assert [q["sql"] for q in queries.captured_queries if "auth_user" in q["sql"]] == []
    # Sessions cached in Redis (the production profile) read none; from the database, one.
    session_reads = 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1
    assert len(queries) == session_reads, queries.captured_queries


def test_a_password_changed_elsewhere_signs_the_other_sessions_out(shopper):
    phone, laptop = signed_in(shopper), signed_in(shopper)
    assert shows_signed_in(phone) and shows_signed_in(laptop)

    response = laptop.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "hot-dry-noodles-77",
            "new_password2": "hot-dry-noodles-77",
        },
    )

    assert response.status_code == 302
    assert shows_signed_in(laptop)  # the one that changed it stays signed in
    assert not shows_signed_in(phone)


def test_a_deactivated_account_is_signed_out_at_once(shopper):
    phone = signed_in(shopper)
    assert shows_signed_in(phone)

    shopper.is_active = False
    shopper.save()

    assert not shows_signed_in(phone)


def test_staff_status_given_or_taken_applies_on_the_next_request(shopper):
    client = signed_in(shopper)
    assert client.get("/admin/").status_code == 302  # to the admin's sign-in

    shopper.is_staff = True
    shopper.save()
    assert client.get("/admin/").status_code == 200

    get_user_model().objects.filter(pk=shopper.pk).update(is_staff=False)
    forget_cached_user(shopper.pk)  # update() sends no signal: callers forget it
    assert client.get("/admin/").status_code == 302


def test_without_the_setting_each_request_reads_its_user(shopper, settings):
    settings.AUTH_USERS_CACHED = False
    ProductFactory()
    client = signed_in(shopper)
    client.get("/products/")

    with CaptureQueriesContext(connection) as queries:
        client.get("/products/")

    assert [q for q in queries.captured_queries if "auth_user" in q["sql"]]

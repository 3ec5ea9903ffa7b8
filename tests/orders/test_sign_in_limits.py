"""Sign-ins pause per account (5 failures) and per address (20 failures, any usernames)."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SPRAYER = "203.0.113.7"
PAUSED = "Too many failed sign-ins"


def _sign_in(client, username, password, address=SPRAYER, url="login"):
    return client.post(
        reverse(url), {"username": username, "password": password}, REMOTE_ADDR=address, **EN
    )


def _spray(client, count, address=SPRAYER):
    """One wrong password for each of `count` different accounts; the status codes."""
    return [
        _sign_in(client, f"shopper{n}", "Summer2024!", address).status_code
        for n in range(1, count + 1)
    ]


@pytest.fixture
def shoppers(django_user_model):
    for n in range(1, 31):
        django_user_model.objects.create_user(f"shopper{n}", password=f"right-password-{n}")


def test_spraying_thirty_accounts_from_one_address_pauses_it_from_the_21st_try(
    client, shoppers, settings
):
    assert settings.AXES_IP_FAILURE_LIMIT == 20

    statuses = _spray(client, 30)

    assert statuses == [200] * 20 + [429] * 10
    page = _sign_in(client, "shopper30", "Summer2024!").content.decode()
    assert PAUSED in page


def test_a_paused_address_is_refused_even_the_right_password(client, shoppers):
    _spray(client, 20)

    response = _sign_in(client, "shopper25", "right-password-25")

    assert response.status_code == 429
    assert PAUSED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_another_address_is_not_paused(client, shoppers, django_user_model):
    _spray(client, 30)

    response = _sign_in(client, "shopper25", "right-password-25", address="198.51.100.9")

    assert (response.status_code, response["Location"]) == (302, reverse("orders:history"))
    assert client.session["_auth_user_id"] == str(
        django_user_model.objects.get(username="shopper25").pk
    )


def test_the_admin_sign_in_is_paused_for_a_spraying_address(client, shoppers, django_user_model):
    django_user_model.objects.create_superuser("boss", password="the-boss-password-1")
    _spray(client, 20)

    response = _sign_in(client, "boss", "the-boss-password-1", url="admin:login")

    assert response.status_code == 429
    assert PAUSED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_per_account_limit_still_pauses_after_five_failures(client, shoppers):
    statuses = [_sign_in(client, "shopper1", "guess").status_code for _ in range(5)]

    after = _sign_in(client, "shopper1", "right-password-1")
    other_account = _sign_in(client, "shopper2", "right-password-2")

    # Axes shows the pause page on the failure that reaches the limit.
    assert statuses == [200, 200, 200, 200, 429]
    assert after.status_code == 429
    assert other_account.status_code == 302


def test_the_address_pause_ends_after_the_cool_off(client, shoppers, settings):
    assert settings.AXES_COOLOFF_TIME == 0.25  # hours
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _spray(client, 30)
        traveller.shift(timedelta(minutes=14))
        still_paused = _sign_in(client, "shopper25", "right-password-25").status_code
        # The refused try of the 14th minute counts too: a cool-off from then.
        traveller.shift(timedelta(minutes=16))
        response = _sign_in(client, "shopper25", "right-password-25")

    assert still_paused == 429
    assert (response.status_code, response["Location"]) == (302, reverse("orders:history"))


def _sign_in_via_proxy(client, username, forwarded_for):
    """A sign-in as the TLS proxy hands it on: from the proxy's own address, with the
    client's in X-Forwarded-For (the proxy appends it to whatever the client sent)."""
    return client.post(
        reverse("login"),
        {"username": username, "password": "Summer2024!"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=forwarded_for,
        **EN,
    )


def test_behind_the_proxy_each_shopper_has_an_address_of_their_own(client, shoppers, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(1, 21):
        _sign_in_via_proxy(client, f"shopper{n}", SPRAYER)

    sprayer = _sign_in_via_proxy(client, "shopper21", SPRAYER)
    # Another shopper behind the same proxy is not paused by the sprayer's failures.
    neighbour = client.post(
        reverse("login"),
        {"username": "shopper22", "password": "right-password-22"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.9",
        **EN,
    )

    assert sprayer.status_code == 429
    assert neighbour.status_code == 302


def test_an_address_a_client_writes_into_x_forwarded_for_is_not_believed(
    client, shoppers, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    # The sprayer writes a new made-up address each time; the proxy appends the real one.
    for n in range(1, 21):
        _sign_in_via_proxy(client, f"shopper{n}", f"192.0.2.{n}, {SPRAYER}")

    assert _sign_in_via_proxy(client, "shopper21", f"192.0.2.99, {SPRAYER}").status_code == 429


def test_a_forwarded_address_that_is_not_an_address_counts_as_the_connection_s(
    client, shoppers, settings
):
    settings.TRUSTED_PROXY_COUNT = 1

    response = _sign_in_via_proxy(client, "shopper1", "not-an-address")

    from axes.models import AccessAttempt

    assert response.status_code == 200
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["10.0.0.2"]


def test_an_ipv6_client_is_its_slash_64_however_it_changes_its_last_bits(
    client, shoppers, settings
):
    for n in range(1, 21):  # a new address of one home's /64 for every try
        _sign_in(client, f"shopper{n}", "Summer2024!", address=f"2001:db8:5:7::{n:x}")

    paused = _sign_in(client, "shopper21", "Summer2024!", address="2001:db8:5:7:ffff::1")
    neighbour = _sign_in(client, "shopper22", "right-password-22", address="2001:db8:5:8::1")

    assert (paused.status_code, neighbour.status_code) == (429, 302)

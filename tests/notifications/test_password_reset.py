"""Password reset: the request only writes down the email asked for, the same work
whatever it is; the worker finds the accounts, writes their messages (the outbox) and
sends them."""

import re
import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hubei_market.celery import app as celery_app
from notifications import selectors
from notifications.delivery import deliver_pending
from notifications.models import Notification, PasswordResetRequest
from notifications.password_reset import expand_password_reset_requests
from notifications.services import request_delivery
from notifications.tasks import (
    deliver_pending_notifications_task,
    resend_pending_notifications_task,
)

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
MAIL_SERVER_SECONDS = 0.2


class SlowMailBackend(EmailBackend):
    """The locmem outbox behind a mail server that takes 200 ms a message."""

    def send_messages(self, messages):
        time.sleep(MAIL_SERVER_SECONDS * len(messages))
        return super().send_messages(messages)


@pytest.fixture
def worker_elsewhere(settings, monkeypatch):
    """Celery as in production: the request hands the delivery to a worker (here, the
    publish is only recorded) and the test runs the worker's delivery itself."""
    settings.EMAIL_BACKEND = f"{__name__}.SlowMailBackend"
    settings.SITE_URL = "https://shop.example.cn"
    celery_app.conf.task_always_eager = False
    published = []
    monkeypatch.setattr(
        deliver_pending_notifications_task,
        "apply_async",
        lambda *args, **kwargs: published.append(kwargs),
    )
    yield published
    celery_app.conf.task_always_eager = True


@pytest.fixture
def ask_for_a_reset(client, django_capture_on_commit_callbacks):
    """Post the reset form, after-commit work included."""

    def ask(email):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("password_reset"), {"email": email}, **EN)
        assert (response.status_code, response["Location"]) == (302, reverse("password_reset_done"))

    return ask


def _reset_link(message):
    return re.search(r"https://shop\.example\.cn(/accounts/reset/\S+)", message.body)[1]


def _choose_a_new_password(client, link, password):
    form_page = client.get(link, follow=True)  # Django moves the token into the session
    assert form_page.status_code == 200
    return client.post(
        form_page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}
    )


def _statements(queries):
    """The SQL run, without its parameters (quoted values, numbers, savepoint names)."""
    return [
        re.sub(r"'(?:[^']|'')*'|\b\d+\b", "?", re.sub(r'"s\d+_x\d+"', '"sp"', q["sql"]))
        for q in queries
    ]


def test_a_known_and_an_unknown_email_cost_the_request_exactly_the_same_work(
    client, django_user_model, worker_elsewhere, django_capture_on_commit_callbacks
):
    django_user_model.objects.create_user("forgetful", email="f@example.cn", password="old-pw-1x")

    def ask(email):
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks() as after_commit,
        ):
            response = client.post(reverse("password_reset"), {"email": email}, **EN)
        assert (response.status_code, response["Location"]) == (302, reverse("password_reset_done"))
        return _statements(queries.captured_queries), after_commit

    ask("warm-up@example.cn")  # templates, URL resolvers
    known, known_after_commit = ask("f@example.cn")
    unknown, unknown_after_commit = ask("nobody@example.cn")

    assert known == unknown
    assert len(known) == len(unknown)
    assert [s for s in known if "INSERT" in s] == [
        s for s in known if "orders_passwordresetrequest" in s
    ]
    assert not any("auth_user" in statement for statement in known)  # no account looked up
    assert known_after_commit == unknown_after_commit == [request_delivery]
    assert mail.outbox == []
    assert Notification.objects.count() == 0
    assert sorted(PasswordResetRequest.objects.values_list("email", flat=True)) == [
        "f@example.cn",
        "nobody@example.cn",
        "warm-up@example.cn",
    ]


def test_the_worker_sends_one_mail_whose_link_sets_a_new_password(
    client, django_user_model, worker_elsewhere, ask_for_a_reset
):
    django_user_model.objects.create_user("forgetful", email="F@Example.cn", password="old-pw-1x")
    ask_for_a_reset("f@example.CN")
    ask_for_a_reset("nobody@example.cn")
    assert (mail.outbox, Notification.objects.count(), PasswordResetRequest.objects.count()) == (
        [],
        0,
        2,
    )
    # The first request queued a delivery; the second found it queued, not started yet.
    assert len(worker_elsewhere) == 1

    assert deliver_pending() == 1

    assert len(mail.outbox) == 1
    assert (Notification.objects.count(), PasswordResetRequest.objects.count()) == (1, 0)
    message = mail.outbox[0]
    # In the store's language, like every message the worker writes.
    assert (message.to, message.subject) == (["F@example.cn"], "重置湖北集市账户 forgetful 的密码")
    assert message.body.startswith("有人申请重置您的湖北集市账户 forgetful 的密码。\n")
    response = _choose_a_new_password(client, _reset_link(message), "a-brand-new-passphrase")
    assert (response.status_code, response["Location"]) == (302, reverse("password_reset_complete"))
    sign_in = client.post(
        reverse("login"), {"username": "forgetful", "password": "a-brand-new-passphrase"}, **EN
    )
    assert (sign_in.status_code, sign_in["Location"]) == (302, reverse("orders:history"))
    # Used once, the link is spent.
    assert (
        "The link was used already or is too old."
        in client.get(_reset_link(message), follow=True, **EN).content.decode()
    )


def test_the_reset_link_is_in_no_inbox(
    client, django_user_model, worker_elsewhere, ask_for_a_reset
):
    user = django_user_model.objects.create_user("forgetful", email="f@example.cn")
    user.set_password("old-pw-1x")
    user.save()
    ask_for_a_reset("f@example.cn")
    deliver_pending()
    client.force_login(user)

    assert Notification.objects.get().state == Notification.State.SENT
    assert list(selectors.inbox_for(user)) == []
    assert selectors.unread_count(user) == 0
    assert (
        "/accounts/reset/" not in client.get(reverse("notifications:inbox"), **EN).content.decode()
    )


def test_the_sent_reset_message_keeps_no_copy_of_the_link(
    django_user_model, worker_elsewhere, ask_for_a_reset
):
    django_user_model.objects.create_user("forgetful", email="f@example.cn", password="old-pw-1x")
    ask_for_a_reset("f@example.cn")

    deliver_pending()

    sent = Notification.objects.get()
    assert "/accounts/reset/" in mail.outbox[0].body
    assert (sent.state, sent.subject, sent.body) == (
        Notification.State.SENT,
        "重置湖北集市账户 forgetful 的密码",
        "",
    )


def test_each_account_sharing_an_email_gets_its_own_link_naming_it(
    client, django_user_model, worker_elsewhere, ask_for_a_reset
):
    # Accounts made before sign-up refused a taken email.
    django_user_model.objects.create_user("mum", email="family@example.cn", password="mum-pw-1x")
    django_user_model.objects.create_user("dad", email="Family@Example.cn", password="dad-pw-1x")
    django_user_model.objects.create_user("other", email="other@example.cn", password="o-pw-1x")
    # Django's reset form sends no link to these two, and neither does the worker.
    django_user_model.objects.create_user(
        "gone", email="family@example.cn", password="g-pw-1x", is_active=False
    )
    django_user_model.objects.create_user("sso", email="FAMILY@example.cn")  # no password

    ask_for_a_reset("family@example.cn")
    assert deliver_pending() == 2

    by_account = {re.search(r"账户 (\w+) 的密码", m.body)[1]: m for m in mail.outbox}
    assert sorted(by_account) == ["dad", "mum"]
    assert by_account["dad"].to == ["Family@example.cn"]
    assert by_account["mum"].subject == "重置湖北集市账户 mum 的密码"
    _choose_a_new_password(client, _reset_link(by_account["dad"]), "dads-new-passphrase")
    assert django_user_model.objects.get(username="dad").check_password("dads-new-passphrase")
    assert django_user_model.objects.get(username="mum").check_password("mum-pw-1x")


def test_a_request_is_expanded_once_when_the_sweep_and_a_delivery_both_run(
    django_user_model, worker_elsewhere, ask_for_a_reset
):
    django_user_model.objects.create_user("forgetful", email="f@example.cn", password="old-pw-1x")
    ask_for_a_reset("f@example.cn")
    request = PasswordResetRequest.objects.get()

    # Beat's sweep takes the request (as if its hand-over was lost); a delivery runs too.
    assert resend_pending_notifications_task() == 0  # the new message is not the sweep's
    assert (Notification.objects.count(), PasswordResetRequest.objects.count()) == (1, 0)
    assert deliver_pending() == 1
    # A second worker that read the request before the first one deleted it (SQLite
    # locks no rows) writes the same messages: they are no-ops.
    PasswordResetRequest.objects.create(pk=request.pk, email=request.email)
    assert expand_password_reset_requests() == 1
    assert resend_pending_notifications_task() == 0
    assert deliver_pending() == 0

    assert len(mail.outbox) == 1
    assert (Notification.objects.count(), PasswordResetRequest.objects.count()) == (1, 0)


@pytest.mark.django_db(transaction=True)
def test_a_request_another_worker_is_expanding_is_skipped(django_user_model):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite locks no rows (the dedupe key covers it there)")
    django_user_model.objects.create_user("forgetful", email="f@example.cn", password="old-pw-1x")
    PasswordResetRequest.objects.create(email="f@example.cn")  # its hand-over not run yet
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                PasswordResetRequest.objects.select_for_update().get()
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(10)
        assert expand_password_reset_requests() == 0  # not waiting for it
        assert (Notification.objects.count(), PasswordResetRequest.objects.count()) == (0, 1)
    finally:
        release.set()
        thread.join(10)
    assert expand_password_reset_requests() == 1
    assert (Notification.objects.count(), PasswordResetRequest.objects.count()) == (1, 0)


def test_a_request_older_than_a_reset_link_lasts_is_dropped_unsent(
    settings, django_user_model, worker_elsewhere, ask_for_a_reset
):
    django_user_model.objects.create_user("forgetful", email="f@example.cn", password="old-pw-1x")
    ask_for_a_reset("f@example.cn")
    PasswordResetRequest.objects.update(
        created_at=timezone.now() - timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1)
    )

    assert deliver_pending() == 0

    assert (mail.outbox, Notification.objects.count(), PasswordResetRequest.objects.count()) == (
        [],
        0,
        0,
    )


def test_staff_see_the_requests_waiting_for_the_worker_and_cannot_change_them(
    staff_client, worker_elsewhere, ask_for_a_reset
):
    ask_for_a_reset("nobody@example.cn")
    request = PasswordResetRequest.objects.get()

    page = staff_client.get(reverse("admin:notifications_passwordresetrequest_changelist"))

    assert page.status_code == 200
    assert "nobody@example.cn" in page.content.decode()
    assert (
        staff_client.get(reverse("admin:notifications_passwordresetrequest_add")).status_code == 403
    )
    delete_url = reverse("admin:notifications_passwordresetrequest_delete", args=[request.pk])
    assert staff_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert PasswordResetRequest.objects.count() == 1

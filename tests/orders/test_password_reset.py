"""Password reset: the request only writes the message (the outbox); the worker sends it."""

import re
import statistics
import time

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse

from hubei_market.celery import app as celery_app
from orders import notifications, selectors
from orders.models import Notification
from orders.tasks import deliver_pending_notifications_task

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
    monkeypatch.setattr(deliver_pending_notifications_task, "apply_async",
                        lambda *args, **kwargs: published.append(kwargs))
    yield published
    celery_app.conf.task_always_eager = True


@pytest.fixture
def ask_for_a_reset(client, django_capture_on_commit_callbacks):
    """Post the reset form; the seconds it took, after-commit work included."""

    def ask(email):
        started = time.perf_counter()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("password_reset"), {"email": email}, **EN)
        elapsed = time.perf_counter() - started
        assert (response.status_code, response["Location"]) == (
            302, reverse("password_reset_done"))
        return elapsed

    return ask


def _reset_link(message):
    return re.search(r"https://shop\.example\.cn(/accounts/reset/\S+)", message.body)[1]


def _choose_a_new_password(client, link, password):
    form_page = client.get(link, follow=True)  # Django moves the token into the session
    assert form_page.status_code == 200
    return client.post(form_page.redirect_chain[-1][0],
                       {"new_password1": password, "new_password2": password})


def test_a_known_and_an_unknown_email_get_their_answer_in_the_same_time(
    client, django_user_model, worker_elsewhere, ask_for_a_reset
):
    django_user_model.objects.create_user("forgetful", email="f@example.cn", password="old-pw-1x")
    ask_for_a_reset("warm-up@example.cn")  # templates, URL resolvers

    known, unknown = [], []
    for _ in range(5):
        known.append(ask_for_a_reset("f@example.cn"))
        unknown.append(ask_for_a_reset("nobody@example.cn"))

    assert abs(statistics.median(known) - statistics.median(unknown)) < 0.05
    assert max(known) < MAIL_SERVER_SECONDS
    assert mail.outbox == []
    assert Notification.objects.filter(kind=Notification.Kind.PASSWORD_RESET,
                                       state=Notification.State.PENDING).count() == 5
    # The first message queued a delivery; the others found it queued, not started yet.
    assert len(worker_elsewhere) == 1


def test_the_worker_sends_one_mail_whose_link_sets_a_new_password(
    client, django_user_model, worker_elsewhere, ask_for_a_reset
):
    django_user_model.objects.create_user("forgetful", email="F@Example.cn", password="old-pw-1x")
    ask_for_a_reset("f@example.CN")
    assert mail.outbox == []

    assert notifications.deliver_pending() == 1

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    # In the store's language, like every message the worker writes.
    assert (message.to, message.subject) == (["F@example.cn"], "重置湖北集市账户 forgetful 的密码")
    assert message.body.startswith("有人申请重置您的湖北集市账户 forgetful 的密码。\n")
    response = _choose_a_new_password(client, _reset_link(message), "a-brand-new-passphrase")
    assert (response.status_code, response["Location"]) == (302, reverse("password_reset_complete"))
    sign_in = client.post(reverse("login"), {"username": "forgetful",
                                             "password": "a-brand-new-passphrase"}, **EN)
    assert (sign_in.status_code, sign_in["Location"]) == (302, reverse("orders:history"))
    # Used once, the link is spent.
    assert "The link was used already or is too old." in client.get(
        _reset_link(message), follow=True, **EN).content.decode()


def test_the_reset_link_is_in_no_inbox(client, django_user_model, worker_elsewhere,
                                       ask_for_a_reset):
    user = django_user_model.objects.create_user("forgetful", email="f@example.cn")
    user.set_password("old-pw-1x")
    user.save()
    ask_for_a_reset("f@example.cn")
    notifications.deliver_pending()
    client.force_login(user)

    assert Notification.objects.get().state == Notification.State.SENT
    assert list(selectors.inbox_for(user)) == []
    assert selectors.unread_count(user) == 0
    assert "/accounts/reset/" not in client.get(reverse("orders:inbox"), **EN).content.decode()


def test_the_sent_reset_message_keeps_no_copy_of_the_link(
    django_user_model, worker_elsewhere, ask_for_a_reset
):
    django_user_model.objects.create_user("forgetful", email="f@example.cn", password="old-pw-1x")
    ask_for_a_reset("f@example.cn")

    notifications.deliver_pending()

    sent = Notification.objects.get()
    assert "/accounts/reset/" in mail.outbox[0].body
    assert (sent.state, sent.subject, sent.body) == (
        Notification.State.SENT, "重置湖北集市账户 forgetful 的密码", "")


def test_each_account_sharing_an_email_gets_its_own_link_naming_it(
    client, django_user_model, worker_elsewhere, ask_for_a_reset
):
    # Accounts made before sign-up refused a taken email.
    django_user_model.objects.create_user("mum", email="family@example.cn", password="mum-pw-1x")
    django_user_model.objects.create_user("dad", email="Family@Example.cn", password="dad-pw-1x")
    django_user_model.objects.create_user("other", email="other@example.cn", password="o-pw-1x")

    ask_for_a_reset("family@example.cn")
    assert notifications.deliver_pending() == 2

    by_account = {re.search(r"账户 (\w+) 的密码", m.body)[1]: m for m in mail.outbox}
    assert sorted(by_account) == ["dad", "mum"]
    assert by_account["dad"].to == ["Family@example.cn"]
    assert by_account["mum"].subject == "重置湖北集市账户 mum 的密码"
    _choose_a_new_password(client, _reset_link(by_account["dad"]), "dads-new-passphrase")
    assert django_user_model.objects.get(username="dad").check_password("dads-new-passphrase")
    assert django_user_model.objects.get(username="mum").check_password("mum-pw-1x")

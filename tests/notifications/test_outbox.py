import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from celery.signals import worker_ready
from django.conf import settings
from django.core import mail
from django.core.mail import get_connection
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.messages import VENDOR_APPROVED
from catalog.models import VendorMember
from hubei_market.celery import app as celery_app
from notifications.delivery import (
    _mark_sent_and_claim,
    _send_claimed,
    deliver_notification,
    deliver_notifications,
    deliver_pending,
    retry_delay,
)
from notifications.models import Notification
from notifications.tasks import (
    deliver_pending_notifications_task,
    resend_pending_notifications_task,
)
from orders import services
from orders.models import Cart, Order, OrderPart
from orders.signals import delete_messages_about_order
from tests.factories import AddressFactory, ProductFactory, VendorFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
ON_POSTGRES_AND_REDIS = settings.DATABASES["default"][
    "ENGINE"
] == "django.db.backends.postgresql" and bool(settings.REDIS_URL)


def make_order(user_model, *, payment=Order.PaymentMethod.CASH_ON_DELIVERY):
    shopper = user_model.objects.create_user(
        f"buyer-{uuid.uuid4().hex[:6]}", email="buyer@example.cn"
    )
    address = AddressFactory(user=shopper)
    cart = Cart.objects.create(user=shopper)
    for name in ("秭归果业", "潜江虾业"):
        vendor = VendorFactory(name=name)
        owner = user_model.objects.create_user(
            f"owner-{uuid.uuid4().hex[:6]}", email=f"{vendor.slug}@example.cn"
        )
        VendorMember.objects.create(vendor=vendor, user=owner, role=VendorMember.Role.OWNER)
        services.add_to_cart(cart, ProductFactory(vendor=vendor, stock=5), 1)
    return services.place_order(
        cart,
        shopper=shopper,
        address=address,
        payment_method=payment,
        idempotency_key=uuid.uuid4().hex,
    )


def test_an_order_tells_the_shopper_and_each_vendor_once_committed(
    django_user_model, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(django_user_model)

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["buyer@example.cn"] + [f"{p.vendor.slug}@example.cn" for p in order.parts.all()]
    )
    assert order.number in mail.outbox[0].subject
    assert set(Notification.objects.values_list("state", flat=True)) == {"sent"}


def test_nothing_is_written_when_checkout_fails(django_user_model):
    shopper = django_user_model.objects.create_user("buyer")
    address = AddressFactory(user=shopper, street="路")
    cart = Cart.objects.create(user=shopper)
    product = ProductFactory(stock=1)
    services.add_to_cart(cart, product, 1)
    type(product).objects.filter(pk=product.pk).update(stock=0)

    with pytest.raises(services.CheckoutProblem):
        services.place_order(
            cart, shopper=shopper, address=address, payment_method="cod", idempotency_key="k" * 32
        )

    assert Notification.objects.count() == 0


def test_delivering_twice_sends_once(django_user_model):
    order = make_order(django_user_model)
    notification = Notification.objects.get(context__order_id=order.pk, recipient=order.shopper)

    assert deliver_notification(notification.pk) is True
    assert deliver_notification(notification.pk) is False
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_leaves_it_pending_and_the_sweep_sends_it_after_a_wait(
    django_user_model, settings
):
    order = make_order(django_user_model)
    notification = Notification.objects.get(context__order_id=order.pk, recipient=order.shopper)
    settings.EMAIL_BACKEND = "tests.notifications.broken_mail.BrokenBackend"

    with pytest.raises(ConnectionRefusedError):
        deliver_notification(notification.pk)

    notification.refresh_from_db()
    assert (notification.state, notification.attempts) == ("pending", 1)
    assert "mail server down" in notification.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Notification.objects.update(created_at=notification.created_at.replace(year=2020))

    # it waits 30 s before the next try: the sweep sends the others, not it
    resend_pending_notifications_task.delay().get()
    assert list(Notification.objects.filter(state="pending")) == [notification]
    assert notification.recipient.email not in [m.to[0] for m in mail.outbox]

    Notification.objects.filter(pk=notification.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )  # the wait is over
    resend_pending_notifications_task.delay().get()

    assert Notification.objects.filter(state="pending").count() == 0
    assert len(mail.outbox) == Notification.objects.count()


def test_each_failure_doubles_the_wait_up_to_the_limit(settings):
    settings.NOTIFICATION_RETRY_MAX_SECONDS = 600
    assert [retry_delay(n).total_seconds() for n in range(1, 7)] == [30, 60, 120, 240, 480, 600]


def test_a_busy_store_queues_one_delivery_for_many_commits(
    django_user_model, django_capture_on_commit_callbacks, monkeypatch, settings
):
    """Commits made while a delivery task waits in the queue queue no other: that one
    delivers them all when it starts."""
    settings.NOTIFICATION_QUEUED_SECONDS = 600  # however slow the machine
    queued = []
    monkeypatch.setattr(
        deliver_pending_notifications_task,
        "apply_async",
        lambda countdown: queued.append(countdown),
    )

    with django_capture_on_commit_callbacks(execute=True):
        make_order(django_user_model)
    with django_capture_on_commit_callbacks(execute=True):
        make_order(django_user_model)
    assert queued == [0.5]  # the second order's commit found one queued, waiting 0.5 s

    assert deliver_pending() == 6  # the task starts: both orders' messages, one batch
    with django_capture_on_commit_callbacks(execute=True):
        make_order(django_user_model)
    assert len(queued) == 2  # after it started, a commit queues again
    assert deliver_pending() == 3
    assert Notification.objects.filter(state="pending").count() == 0
    assert len(mail.outbox) == 9


def test_shipping_and_cancelling_tell_who_needs_to_know(django_user_model):
    order = make_order(django_user_model)
    part = order.parts.first()
    services.ship_part(part, carrier="顺丰速运", tracking_number="SF123", by=None)
    other = make_order(django_user_model)
    services.cancel_order(other, by=other.shopper)

    shipped = Notification.objects.get(kind="part_shipped")
    assert shipped.recipient == order.shopper
    assert deliver_notification(shipped.pk) is True
    shipped.refresh_from_db()
    assert "顺丰速运" in shipped.body and "SF123" in shipped.body
    assert mail.outbox[-1].body == shipped.body  # the inbox keeps what the email said
    cancelled = Notification.objects.filter(kind="order_cancelled", context__order_id=other.pk)
    assert {n.recipient for n in cancelled} == {other.shopper} | {
        m for p in other.parts.all() for m in p.vendor.members.all()
    }


@pytest.mark.skipif(not ON_POSTGRES_AND_REDIS, reason="needs PostgreSQL and Redis")
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_through_redis(django_user_model):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DEBUG": "1",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "hubei_market",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    celery_app.conf.task_always_eager = False
    try:
        make_order(django_user_model)  # committed: on_commit hands the messages to Redis
        deadline = time.monotonic() + 30
        while Notification.objects.filter(state="pending").exists():
            if time.monotonic() > deadline:
                worker.terminate()
                pytest.fail("not delivered:\n" + worker.communicate()[0].decode())
            time.sleep(0.2)
        assert Notification.objects.filter(state="sent").count() == 3
    finally:
        celery_app.conf.task_always_eager = True
        worker.terminate()
        worker.wait(timeout=20)


def test_delivered_messages_appear_in_the_inbox_and_only_the_recipients(
    client, django_user_model, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(django_user_model)
    client.force_login(order.shopper)

    html = client.get("/accounts/inbox/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    mine = Notification.objects.get(recipient=order.shopper)
    vendors = Notification.objects.exclude(recipient=order.shopper)
    assert mine.subject == f"您的订单 {order.number} 已提交"  # written in the store's language
    assert mine.subject in html
    assert all(v.subject not in html for v in vendors)  # those are the vendors'


def statements(queries):
    """(reads, writes) among captured queries."""
    reads = sum(q["sql"].lstrip().upper().startswith("SELECT") for q in queries)
    return reads, len(queries) - reads


def test_delivering_a_batch_reads_as_much_as_delivering_one_and_writes_once_per_message(
    django_user_model,
):
    """The reads (messages, recipients, orders, parts, lines) cost the same however many
    messages; each message costs one statement on PostgreSQL (marked sent with the next
    one's claim), two elsewhere."""
    one = [
        n.pk
        for n in Notification.objects.filter(context__order_id=make_order(django_user_model).pk)
    ]
    with CaptureQueriesContext(connection) as single:
        assert deliver_notifications(one) == 3
    many = [make_order(django_user_model) for _ in range(5)]
    ids = list(
        Notification.objects.filter(context__order_id__in=[o.pk for o in many])
        .order_by("pk")
        .values_list("pk", flat=True)
    )

    with CaptureQueriesContext(connection) as batch:
        assert deliver_notifications(ids) == 15

    per_message = (lambda n: n + 1) if connection.vendor == "postgresql" else (lambda n: 2 * n)
    assert statements(single.captured_queries) == (4, per_message(3))
    assert statements(batch.captured_queries) == (4, per_message(15))
    vendor_message = mail.outbox[-1]  # each vendor's message lists its own part's lines
    part = OrderPart.objects.get(pk=Notification.objects.get(pk=ids[-1]).context["part_id"])
    assert part.lines.get().product_name in vendor_message.body


def test_a_refused_message_does_not_hold_up_the_others(django_user_model, settings):
    order = make_order(django_user_model)
    shopper_message = Notification.objects.get(context__order_id=order.pk, recipient=order.shopper)
    settings.EMAIL_BACKEND = "tests.notifications.broken_mail.RefusingBackend"
    settings.REFUSED_ADDRESS = "buyer@example.cn"

    assert deliver_pending() == 2  # no exception: the vendors' messages went

    shopper_message.refresh_from_db()
    assert shopper_message.state == "pending" and "refused" in shopper_message.last_error
    assert Notification.objects.filter(state="sent").count() == 2


def test_a_large_backlog_is_handed_on_instead_of_running_past_the_time_limit(
    django_user_model, monkeypatch
):
    for _ in range(3):
        make_order(django_user_model)
    monkeypatch.setattr("notifications.delivery.DELIVERY_BATCH", 2)
    handed_on = []
    monkeypatch.setattr("notifications.delivery.request_delivery", lambda: handed_on.append(1))

    sent = deliver_pending(max_seconds=0)  # out of time after the first batch

    assert (sent, handed_on) == (2, [1])
    assert Notification.objects.filter(state="pending").count() == 7


def test_an_unreachable_mail_server_leaves_every_message_waiting_for_its_retry(
    django_user_model, settings
):
    make_order(django_user_model)
    settings.EMAIL_BACKEND = "tests.notifications.broken_mail.UnreachableBackend"

    assert deliver_pending() == 0

    waiting = Notification.objects.all()
    assert {(n.state, n.attempts, n.last_error) for n in waiting} == {
        ("pending", 1, "connection refused")
    }
    assert all(n.claimed_until > timezone.now() + timedelta(seconds=25) for n in waiting)
    assert deliver_pending() == 0  # not tried again before the wait is over
    assert {n.attempts for n in Notification.objects.all()} == {1}


def test_messages_that_went_out_are_sent_even_if_the_connection_fails_at_the_end(
    django_user_model, settings
):
    make_order(django_user_model)
    settings.EMAIL_BACKEND = "tests.notifications.broken_mail.QuitFailsBackend"

    assert deliver_pending() == 3

    assert len(mail.outbox) == 3
    assert set(Notification.objects.values_list("state", flat=True)) == {"sent"}


def test_the_header_counts_new_messages_until_the_inbox_is_opened(
    client, django_user_model, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(django_user_model)  # delivered: one message for the shopper
    make_order(django_user_model)  # another shopper's, not delivered yet
    client.force_login(order.shopper)

    link = client.get("/accounts/inbox/link/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert link.strip() == (
        'Messages <span class="cart-count" aria-hidden="true">1</span>'
        '<span class="visually-hidden">1 new message</span>'
    )

    inbox = client.get("/accounts/inbox/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="badge badge-new">New</span>' in inbox  # marked once...
    assert '<span class="cart-count"' not in client.get("/accounts/inbox/link/").content.decode()
    again = client.get("/accounts/inbox/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "badge-new" not in again  # ...then read


def test_a_visitor_no_longer_signed_in_leaves_the_link_as_it_was(client):
    response = client.get("/accounts/inbox/link/")
    assert (response.status_code, response.content) == (204, b"")  # htmx swaps nothing


def test_the_inbox_reads_the_messages_its_page_shows_and_no_others(
    client, django_user_model, settings
):
    shopper = django_user_model.objects.create_user("many-messages", email="m@example.cn")
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=shopper,
                kind=VENDOR_APPROVED,
                state=Notification.State.SENT,
                subject=f"消息 {i}",
                sent_at=timezone.now(),
                dedupe_key=f"many-{i}",
            )
            for i in range(25)
        ]
    )
    client.force_login(shopper)

    second = client.get("/accounts/inbox/?page=2").content.decode()  # the 5 oldest

    assert second.count("badge-new") == 5
    assert Notification.objects.filter(read_at__isnull=True).count() == 20
    first = client.get("/accounts/inbox/").content.decode()
    assert first.count("badge-new") == 20  # still new: nobody had seen them
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_signed_in_pages_link_the_inbox_and_load_its_count(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("shopper"))
    html = client.get("/products/").content.decode()
    assert 'hx-get="/accounts/inbox/link/"' in html
    assert 'hx-get="/accounts/inbox/link/"' not in Client().get("/products/").content.decode()


class WorkerKilled(BaseException):
    """A process dying: no `except Exception` sees it, as none runs after a SIGKILL."""


class CrashingBackend(LocmemBackend):
    """Takes settings.CRASH_AFTER messages into the outbox, then the worker dies while
    sending the next one (before the mail server accepted it)."""

    def send_messages(self, email_messages):
        if len(mail.outbox) >= settings.CRASH_AFTER:
            raise WorkerKilled
        return super().send_messages(email_messages)


def held(now):
    """Pending messages some worker holds (a claim that has not run out)."""
    return Notification.objects.filter(state="pending", claimed_until__gt=now)


def test_a_worker_that_dies_mid_batch_holds_only_the_message_it_was_sending(
    django_user_model, settings
):
    for _ in range(3):
        make_order(django_user_model)  # nine messages
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.CrashingBackend"
    settings.CRASH_AFTER = 4

    with pytest.raises(WorkerKilled):
        deliver_pending()

    # each went down as sent the moment the server took it; one held, four free
    assert Notification.objects.filter(state="sent").count() == 4
    crashed = Notification.objects.order_by("pk")[4:5].get()  # the fifth, by id
    assert list(held(timezone.now())) == [crashed]
    assert crashed.claimed_until - timezone.now() <= timedelta(seconds=30)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    assert deliver_pending() == 4  # the next delivery sends the free ones at once
    with time_machine.travel(crashed.claimed_until + timedelta(seconds=1), tick=False):
        assert deliver_pending() == 1  # and the held one once its claim ran out

    message_ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert sorted(message_ids) == sorted(
        f"<notification-{pk}@hubei-market>"
        for pk in Notification.objects.values_list("pk", flat=True)
    )
    assert Notification.objects.filter(state="sent").count() == 9


def test_a_message_whose_claim_ran_out_is_not_sent_by_the_old_claimant(django_user_model):
    order = make_order(django_user_model)
    message = Notification.objects.select_related("recipient").get(recipient=order.shopper)
    claimed_until = _mark_sent_and_claim(None, message)  # a worker takes it, then stalls

    assert claimed_until == message.claimed_until
    assert deliver_notification(message.pk) is False  # held: nobody else sends it
    with time_machine.travel(claimed_until + timedelta(seconds=1), tick=False):
        assert deliver_notification(message.pk) is True  # taken over, sent
        assert _send_claimed(get_connection(), message, claimed_until) is False

    assert [m.to for m in mail.outbox] == [["buyer@example.cn"]]
    message.refresh_from_db()
    assert (message.state, message.attempts) == ("sent", 2)


def test_a_claim_covers_one_message_for_less_than_half_a_minute_and_mail_times_out_first():
    assert (settings.NOTIFICATION_CLAIM_SECONDS, settings.EMAIL_TIMEOUT) == (30, 5)
    # A send's four exchanges with the mail server, at most 5 s each, end before the claim.
    assert settings.SMTP_EXCHANGES_PER_MESSAGE * settings.EMAIL_TIMEOUT < 30
    assert get_connection("django.core.mail.backends.smtp.EmailBackend").timeout == 5
    schedule = settings.CELERY_BEAT_SCHEDULE["resend-pending-notifications"]["schedule"]
    assert schedule == 30  # a dead worker's claim is swept within a minute


def test_a_worker_that_starts_delivers_what_is_pending(django_user_model):
    make_order(django_user_model)  # written, but its delivery was lost with a dead worker

    worker_ready.send(sender=None)  # tasks run eagerly here: both deliveries at once

    assert Notification.objects.filter(state="sent").count() == 3
    assert len(mail.outbox) == 3


def test_the_store_refuses_an_smtp_timeout_whose_four_exchanges_could_outlast_the_claim():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**env, "EMAIL_TIMEOUT": "8", "NOTIFICATION_CLAIM_SECONDS": "30"},
        timeout=120,
    )

    assert result.returncode != 0
    assert (
        "EMAIL_TIMEOUT must be shorter than a quarter of NOTIFICATION_CLAIM_SECONDS"
        in result.stderr
    )


def test_a_mail_server_that_drops_the_connection_mid_batch_holds_up_nothing(
    django_user_model, settings, smtp_server
):
    # A provider that closes a connection after so many messages answers 421; smtplib then
    # hangs up, and every later message on that connection would fail at once.
    for _ in range(3):
        make_order(django_user_model)  # 9 messages
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    smtp_server.refuse_next_with = "421 4.7.0 Too many messages on this connection"

    assert deliver_pending() == 9

    assert smtp_server.distinct() == 9 and smtp_server.duplicates() == {}
    assert set(Notification.objects.values_list("state", "attempts", "last_error")) == {
        ("sent", 1, "")
    }


def test_a_claim_too_short_for_a_whole_send_is_left_to_its_retry(django_user_model, settings):
    make_order(django_user_model)
    message = Notification.objects.select_related("recipient").first()
    claimed_until = _mark_sent_and_claim(None, message)
    settings.EMAIL_TIMEOUT = 8  # four exchanges of up to 8 s could outlast the 30 s claim

    assert _send_claimed(get_connection(), message, claimed_until) is False
    assert mail.outbox == []


def test_deleting_an_order_deletes_the_messages_about_it_and_no_others(
    django_user_model, django_assert_num_queries
):
    gone, kept = make_order(django_user_model), make_order(django_user_model)
    other = Notification.objects.create(
        recipient=kept.shopper, kind=VENDOR_APPROVED, context={"vendor_id": 1}
    )
    about_kept = set(
        Notification.objects.filter(context__order_id=kept.pk).values_list("pk", flat=True)
    )

    gone.delete()

    assert Notification.objects.filter(context__order_id=gone.pk).count() == 0
    assert set(Notification.objects.values_list("pk", flat=True)) == about_kept | {other.pk}
    assert len(about_kept) == 3  # the shopper's and each vendor's
    with django_assert_num_queries(1):
        delete_messages_about_order(Order, kept)
    assert set(Notification.objects.values_list("pk", flat=True)) == {other.pk}


def test_the_worker_still_runs_what_was_queued_under_the_old_task_names():
    for name in (
        "deliver_notifications_task",
        "deliver_pending_notifications_task",
        "resend_pending_notifications_task",
    ):
        assert f"notifications.tasks.{name}" in celery_app.tasks
        assert f"orders.tasks.{name}" in celery_app.tasks

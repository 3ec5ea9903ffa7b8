"""Password reset links, through the outbox.

A password reset is the exception to writing messages in the request: the request
writes a PasswordResetRequest (the same row whatever the email, so its time tells no one
which emails have an account) and the worker expands it into the messages of the
accounts with that email before it delivers (`expand_password_reset_requests`).
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from notifications import kinds
from notifications.models import Notification, PasswordResetRequest
from notifications.services import request_delivery

PASSWORD_RESET = "password_reset"
PASSWORD_RESET_BATCH = 50  # reset requests one expansion takes


def register_kind() -> None:
    """The reset link's kind (notifications' own): email only, its body not kept."""
    kinds.register(
        PASSWORD_RESET,
        _("password reset link"),
        templates="notifications/password_reset",
        # Email only: its link signs whoever holds it in, so no inbox shows it.
        in_inbox=False,
        keep_body=False,
        load=_reset_links,
    )


def request_password_reset(email: str) -> PasswordResetRequest:
    """Someone asked for a reset link for `email`: write that down, and hand over to the
    worker on commit. The same two steps whatever the email (no account is looked up
    here), so the answer's time does not tell which emails have an account; the worker
    finds them (`expand_password_reset_requests`). Every request is a message of its own
    to each account. Never raises for a failed hand-over: beat's sweep covers it."""
    with transaction.atomic():
        request = PasswordResetRequest.objects.create(email=email)
        transaction.on_commit(request_delivery, robust=True)
    return request


def expand_password_reset_requests() -> int:
    """Turn the oldest waiting reset requests (up to PASSWORD_RESET_BATCH) into messages,
    in one transaction: one PASSWORD_RESET notification to each account Django's
    PasswordResetForm.get_users finds for the email (active, a usable password, the
    email in any case), naming its username; then the requests are deleted. A request
    older than PASSWORD_RESET_TIMEOUT is dropped unexpanded (a link that comes days after
    it was asked for is no longer expected: ask again). Returns how many requests were
    taken (expanded or dropped).

    Requests another worker is expanding are skipped (locked, PostgreSQL); should two
    workers take the same one anyway (SQLite does not lock rows), the dedupe key makes
    the second one's messages no-ops. Called by every delivery before it reads what is
    pending, and by beat's sweep, which covers a lost hand-over."""
    finder = PasswordResetForm()
    expired_before = timezone.now() - timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    with transaction.atomic():
        requests = list(
            PasswordResetRequest.objects.select_for_update(skip_locked=True).order_by("pk")[
                :PASSWORD_RESET_BATCH
            ]
        )
        if not requests:
            return 0
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient=user,
                    kind=PASSWORD_RESET,
                    dedupe_key=f"password-reset:{request.pk}:{user.pk}",
                )
                for request in requests
                if request.created_at >= expired_before
                for user in finder.get_users(request.email)
            ],
            ignore_conflicts=True,
        )
        PasswordResetRequest.objects.filter(pk__in=[request.pk for request in requests]).delete()
    return len(requests)


def _reset_links(notifications: list[Notification]) -> dict[int, dict]:
    """Each message's reset link, absolute (the worker has no request to take the host
    from), made at delivery: a link kept in the outbox could be read by staff."""
    return {n.pk: _password_reset_context(n.recipient) for n in notifications}


def _password_reset_context(user: AbstractBaseUser) -> dict:
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return {"user": user, "reset_url": f"{settings.SITE_URL}{path}"}

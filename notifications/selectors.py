from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from notifications import kinds
from notifications.models import Notification


def inbox_for(user: AbstractBaseUser) -> QuerySet[Notification]:
    """Delivered notifications of one user, newest first (pending ones are not shown yet).
    Kinds that go by email only (a password reset link: anyone who sees one can take the
    account) are left out."""
    return Notification.objects.filter(recipient=user, state=Notification.State.SENT).exclude(
        kind__in=kinds.hidden_from_inbox()
    )


def unread_count(user: AbstractBaseUser) -> int:
    """Delivered messages this user has not seen in the inbox yet (the header's badge)."""
    return inbox_for(user).filter(read_at__isnull=True).count()

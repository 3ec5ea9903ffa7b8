"""The shopper's inbox of order messages."""

from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from orders.models import Notification


def mark_read(user: AbstractBaseUser, notifications: Iterable[Notification]) -> set[int]:
    """The messages of `user` among `notifications` (those an inbox page shows) count as
    read from now on. Returns the ids of those that were unread until now."""
    ids = {n.pk for n in notifications if n.read_at is None}
    if ids:
        Notification.objects.filter(pk__in=ids, recipient=user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    return ids

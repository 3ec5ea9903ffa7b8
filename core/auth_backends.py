"""Django's ModelBackend, with each signed-in user read from the cache.

Every page a signed-in shopper asks for loads their user to check the session (and
whether it was signed out by a password change). On a cached catalog page that was the
only SQL left: a health check and a user query, about as much as serving the page. The
user is kept in the cache until they are saved or deleted (a password change, staff
status, `last_login` on signing in: all saves), so the session check sees the same user
the database holds. Permissions are not cached with it: they are read as before.

`User.objects.update()` bypasses the signals: call `forget_cached_user(pk)` after it.
With the cache unreachable, users are read from the database (core/redis_cache.py).
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

# v1: bump when the user model's fields change, so no older shape is unpickled.
KEY = "auth:user:v1:{}"
SECONDS = 60 * 60


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        if not settings.AUTH_USERS_CACHED:
            return super().get_user(user_id)
        key = KEY.format(user_id)
        user = cache.get(key)
        if user is None:
            user = super().get_user(user_id)
            if user is None:
                return None
            cache.set(key, user, SECONDS)
        return user if self.user_can_authenticate(user) else None


def forget_cached_user(pk: Any) -> None:
    """Drop the user's cached copy, now and when the transaction commits (a request
    between the two would cache the old row again)."""
    cache.delete(KEY.format(pk))
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: cache.delete(KEY.format(pk)))


def _user_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    forget_cached_user(instance.pk)


def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """The user who just signed in (their last_login saved) is the one the next request
    reads."""
    if settings.AUTH_USERS_CACHED:
        cache.set(KEY.format(user.pk), user, SECONDS)


post_save.connect(_user_changed, sender=get_user_model(), dispatch_uid="cached-user-save")
post_delete.connect(_user_changed, sender=get_user_model(), dispatch_uid="cached-user-delete")
# After django.contrib.auth's update_last_login (connected when it is ready, before us).
user_logged_in.connect(_signed_in, dispatch_uid="cached-user-signed-in")

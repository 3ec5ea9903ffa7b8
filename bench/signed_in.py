"""A signed-in shopper for the benchmarks: a real session in the store's session
backend, whose key wrk sends as the `sessionid` cookie.

    python -c 'import bench.signed_in as s; print(s.session_key())'   (bench/run.sh)
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402


def signed_in_session(username="bench-promotions-shopper"):
    """The shopper `username` and a session key of theirs, as a browser signed in would
    hold (bench/search.py's shopper too)."""
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=username)
    store = SessionStore()
    store.update(
        {
            "_auth_user_id": str(user.pk),
            "_auth_user_backend": "core.auth_backends.CachedModelBackend",
            "_auth_user_hash": user.get_session_auth_hash(),
        }
    )
    store.create()
    return user, store.session_key


def session_key(username="bench-pages-shopper"):
    return signed_in_session(username)[1]

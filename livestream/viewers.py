"""Who counts as a viewer of a stream: the holder of a signed viewer id that a stream page
gave out.

A stream page gives each browser without a valid id a new one, signed with the site's key
(django.core.signing, salted for this use) in a cookie the page's polls send back; only a
poll carrying a valid id is a heartbeat (livestream/counters.py). A poll without one, or
with an id someone made up, still gets the counters, but adds nobody. The cookie is set
on the response, outside the rendered page, so a cached copy of the page never carries
another browser's id.

Fetching the page over and over without keeping the cookie would still mint ids, so each
client address gets a budget of new ids per minute (STREAM_NEW_VIEWERS_PER_MINUTE),
counted in the cache. The address is the one the sign-in lockout uses (django-axes,
TRUSTED_PROXY_COUNT behind a proxy, orders.sign_in_limits.client_address), so both agree on who a client is. With the cache
unreachable the budget is not checked: viewers are let in rather than the page failing.
"""

import secrets
import time

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

VIEWER_COOKIE = "viewer"
SALT = "livestream.viewer"
MAX_AGE = 30 * 86400  # an id lasts this long after the last visit of a stream page
_BUDGET_WINDOW = 60


def viewer_from(request: HttpRequest) -> str | None:
    """The viewer id the request's cookie carries if a stream page signed it, else None."""
    # A missing, unsigned, forged or expired value is the default.
    return request.get_signed_cookie(VIEWER_COOKIE, default=None, salt=SALT, max_age=MAX_AGE)


def signed(viewer: str) -> str:
    """The cookie value for `viewer`, as set_signed_cookie writes it (tests make viewers)."""
    return signing.get_cookie_signer(salt=VIEWER_COOKIE + SALT).sign(viewer)


def give_viewer_id(request: HttpRequest, response: HttpResponse) -> str | None:
    """Set the viewer cookie on a stream page's `response` and return the id, or None.

    A browser that holds a valid id keeps it (its expiry starts again); another gets a new
    one if its address has budget left this minute, else none: it sees the stream and the
    counters but is not counted."""
    viewer = viewer_from(request)
    if viewer is None:
        if not _take_from_budget(get_client_ip_address(request) or "unknown"):
            return None
        viewer = secrets.token_hex(8)
    response.set_cookie(
        VIEWER_COOKIE,
        signed(viewer),
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return viewer


def _take_from_budget(address: str) -> bool:
    """True if `address` may get one more new viewer id this minute (and counts it)."""
    key = f"stream-new-viewers:{address}:{int(time.time() // _BUDGET_WINDOW)}"
    try:
        cache.add(key, 0, _BUDGET_WINDOW * 2)
        taken = cache.incr(key)
    except ValueError:
        # The key expired between add and incr (a new minute began), or the cache is
        # unreachable: the store's Redis cache answers a missing key then, and logs the
        # outage itself, once a minute (hubei_market/redis_cache.py).
        return True
    return taken <= settings.STREAM_NEW_VIEWERS_PER_MINUTE

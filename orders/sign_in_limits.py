"""Two sign-in limits: per account and address, and per address alone.

django-axes counts failures per (username, address) and pauses that pair after
AXES_FAILURE_LIMIT of them. That alone lets one address try a common password on many
accounts (password spraying), once each, and never be paused. So this handler adds a
second, higher threshold: once an address has failed AXES_IP_FAILURE_LIMIT times within
the cool-off (AXES_COOLOFF_TIME), whatever the usernames, every further sign-in from it
is refused with the same pause page and status, until fewer than that many of its
failures are younger than the cool-off. Another address is not affected.

Axes has one failure limit for all of AXES_LOCKOUT_PARAMETERS, so adding "ip_address"
there would pause an address at the per-account threshold; a handler keeps both.
It is set as AXES_HANDLER and serves the site's sign-in and the admin's alike.

Both limits, and the livestream's budget of new viewers, need to know who a client is:
`client_address` (AXES_CLIENT_IP_CALLABLE) is REMOTE_ADDR, or behind a proxy the address
the proxy itself wrote.
"""

import ipaddress

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


class SignInLimitsHandler(AxesDatabaseHandler):
    def is_locked(self, request, credentials=None):
        """Locked when the account is, from this address (axes), or when the address
        has used up its own allowance of failures."""
        if super().is_locked(request, credentials):
            return True
        paused = address_failures(request) >= settings.AXES_IP_FAILURE_LIMIT
        # Axes flags the refusal for its middleware (the pause page) only when the
        # per-account count reaches its limit; this remembers the address's refusal.
        request.sign_in_address_paused = paused
        return paused

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and getattr(request, "sign_in_address_paused", False):
            request.axes_locked_out = True
            request.axes_credentials = credentials


def address_failures(request):
    """Failed sign-ins from the request's address within the cool-off, all usernames."""
    attempts = AccessAttempt.objects.filter(ip_address=request.axes_ip_address)
    if settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def client_address(request):
    """The client's address. Behind TRUSTED_PROXY_COUNT proxies, each appends the address
    it was reached from to X-Forwarded-For, so the client is that many entries from the
    right: what a client writes there itself stays on the left and is never believed.
    With no proxy, or a header shorter than the proxies (a request that bypassed them),
    the connection's own address. An IPv6 address stands for its /64: one home or phone
    gets a whole /64 and could otherwise take a new address for every try."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    address = None
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            address = _parsed(hops[-proxies])
    if address is None:
        address = _parsed(request.META.get("REMOTE_ADDR") or "")
    if address is None:
        return None
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def _parsed(text):
    # The address column is an inet on PostgreSQL: junk must never reach it.
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None

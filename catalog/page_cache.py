"""Server-side caching of the catalog pages shoppers read most.

Whole pages are cached for shoppers who are not signed in, keyed by path, query string,
language and whether htmx asked for a fragment, and stored with the catalog *revision*
they were rendered at. The revision is a token in the cache that every write to the
catalog replaces (`bump_catalog_revision`), so the next request renders afresh: a change
of price, stock or a vendor's status shows at once, on every process sharing the cache.

Saves and deletes of catalog rows bump it through the signal handlers at the bottom
(a framework hook, like cache invalidation in Django's own apps). Writes that bypass
`save()` — `QuerySet.update()`, `bulk_create`, `bulk_update` — must call
`bump_catalog_revision()` themselves.

A hit costs one cache round trip and no SQL. The CSRF token is rendered as a placeholder
and each response gets the requester's own. A visitor with messages waiting (every page
shows them) gets the page rendered for them, neither read from the cache nor stored.
"""

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

from catalog.models import (
    Category,
    County,
    KeywordLanding,
    Prefecture,
    Product,
    ProductImage,
    Promotion,
    SearchSynonym,
    Vendor,
)
from catalog.promotions.pricing import next_boundary
from catalog.revision import REVISION_KEY, bump_catalog_revision, cache_key, catalog_revision

CSRF_PLACEHOLDER = "csrf-token-placeholder-5b1f0c"
# The server's clock on each response (countdowns count from it, catalog/partials/
# countdown_script.html): a cached page says when it is served, not when it was rendered.
NOW_PLACEHOLDER = "server-now-placeholder-5b1f0c"
CATALOG_MODELS = (
    Product,
    ProductImage,
    Vendor,
    Category,
    County,
    Prefecture,
    KeywordLanding,
    Promotion,
    SearchSynonym,
)


# The query parameters catalog pages read; others (utm_source…) share the cached page.
PAGE_PARAMS = (
    "q",
    "category",
    "prefecture",
    "county",
    "vendor",
    "min_price",
    "max_price",
    "in_stock",
    "sort",
    "page",
    # a product's reviews page (reviews/pages.py)
    "photos",
    "stars",
)


def _known_params(request: HttpRequest) -> str:
    return "&".join(
        f"{name}={value}" for name in PAGE_PARAMS for value in request.GET.getlist(name)
    )


def cached_page(
    request: HttpRequest,
    render: Callable[[dict[str, Any]], HttpResponse],
    max_age: float | Callable[[], float | None] | None = None,
) -> HttpResponse:
    """The response `render(extra_context)` gives, cached for shoppers not signed in.

    `render` must pass `extra_context` to its template (it carries the CSRF
    placeholder). Only 200 responses are stored; a 404 is rendered every time. A page
    that also shows what the catalog revision does not track (the impact board's
    figures) gives `max_age` in seconds (or a function that tells, after rendering): it
    is rendered again after that.
    """
    if (
        request.method != "GET"
        or request.user.is_authenticated
        or CookieStorage.cookie_name in request.COOKIES
    ):  # messages waiting: theirs
        return render({})
    fragment = bool(request.htmx) and not request.htmx.history_restore_request
    key = cache_key(
        "page", get_language() or "", request.path, _known_params(request), str(fragment)
    )
    found = cache.get_many([REVISION_KEY, key])
    revision = found.get(REVISION_KEY) or catalog_revision()
    stored = found.get(key)
    now = timezone.now()
    fresh = (
        stored is not None
        and len(stored) == 4
        and stored[0] == revision
        and (stored[3] is None or now < stored[3])
    )
    if fresh:
        content_type, content = stored[1], stored[2]
        response = HttpResponse(content, content_type=content_type)
    else:
        response = render({"csrf_token": CSRF_PLACEHOLDER, "server_now": NOW_PLACEHOLDER})
        if response.status_code != 200:
            return response
        content = response.content.decode(response.charset)
        # Prices change when a promotion starts or ends: the page is good until then.
        good_until = next_boundary(now)
        if callable(max_age):
            max_age = max_age()
        if max_age is not None:
            expires = now + timedelta(seconds=max_age)
            good_until = min(good_until, expires) if good_until else expires
        stored = (revision, response["Content-Type"], content, good_until)
        cache.set(key, stored, settings.CATALOG_PAGE_CACHE_SECONDS)
    if CSRF_PLACEHOLDER in content:
        content = content.replace(CSRF_PLACEHOLDER, get_token(request))
        response.content = content
    if NOW_PLACEHOLDER in content:
        response.content = content.replace(NOW_PLACEHOLDER, f"{time.time():.3f}")
    patch_vary_headers(response, ["HX-Request"])
    return response


def _catalog_changed(sender: type[Model], **kwargs: Any) -> None:
    bump_catalog_revision()


# A promotion's scope changing changes prices as much as the promotion itself.
for _relation in ("products", "categories", "vendors", "counties"):
    m2m_changed.connect(
        _catalog_changed,
        sender=getattr(Promotion, _relation).through,
        dispatch_uid=f"page-cache-promotion-{_relation}",
    )


for _model in CATALOG_MODELS:
    post_save.connect(_catalog_changed, sender=_model, dispatch_uid=f"page-cache-{_model.__name__}")
    post_delete.connect(
        _catalog_changed, sender=_model, dispatch_uid=f"page-cache-del-{_model.__name__}"
    )

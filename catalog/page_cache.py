"""Server-side caching of the catalog pages shoppers read most.

Whole pages are cached and shared by every shopper, signed in or not: keyed by path,
query string, language and whether htmx asked for a fragment, and stored with the
catalog *revision* they were rendered at. The revision is a token in the cache that every write to the
catalog replaces (`bump_catalog_revision`), so the next request renders afresh: a change
of price, stock or a vendor's status shows at once, on every process sharing the cache.

Saves and deletes of catalog rows bump it through the signal handlers at the bottom
(a framework hook, like cache invalidation in Django's own apps). Writes that bypass
`save()` — `QuerySet.update()`, `bulk_create`, `bulk_update` — must call
`bump_catalog_revision()` themselves.

A hit costs one cache round trip and no SQL (a signed-in shopper's session and user
aside). Nothing on these pages depends on who asks but the header's account links, the
CSRF token and the server's clock: the page is rendered for nobody in particular (an
anonymous `user`), with placeholders that each response fills in: the requester's own
token, the links for a signed-in shopper or a visitor (both rendered with the page,
stored beside it), the time. What is the shopper's own (cart count, messages badge, the
shipping fee to their province) is loaded apart by htmx. A visitor with messages waiting
(every page shows them) gets the page rendered for them, neither read from the cache nor
stored.

A page stale only because cards it shows changed (a stock change, units sold, a photo)
is not rendered again: those cards are, and put in place of the old ones in the stored
page (catalog/cards.py marks each card). Otherwise a stale page is rendered by one
request at a time: the first takes the page's rendering mark (`cache.add`); the others
are given the page as it was meanwhile, or, when there is none, wait for the page it
stores (PAGE_RENDER_WAIT_SECONDS at most, then they render it too). Each answer says how
it was made in its X-Page-Cache header (hit, cards, stale, waited, render, bypass),
which the benchmark counts.
"""

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

from catalog.cards import product_cards_by_id, replace_cards
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
from catalog.revision import (
    LISTINGS_KEY,
    REVISION_KEY,
    bump_catalog_revision,
    bump_products,
    cache_key,
    catalog_revision,
    current_tokens,
    depends_on,
    patchable_cards,
    recorded_good_until,
    recording_dependencies,
)

CSRF_PLACEHOLDER = "csrf-token-placeholder-5b1f0c"
# The server's clock on each response (countdowns count from it, catalog/partials/
# countdown_script.html): a cached page says when it is served, not when it was rendered.
NOW_PLACEHOLDER = "server-now-placeholder-5b1f0c"
# The header's account links (templates/partials/account_nav.html).
ACCOUNT_NAV_PLACEHOLDER = "account-nav-placeholder-5b1f0c"
# How the page was answered: "hit" (the stored page), "waited" (the page another process
# was rendering, once stored), "render" (rendered, and stored if a 200), "bypass"
# (rendered for this visitor only). The benchmark counts renders by it.
CACHE_HEADER = "X-Page-Cache"
RENDER_POLL_SECONDS = 0.01
# Saving or deleting one of these makes every cached page stale; products and their
# photos only the pages that show them (the handlers at the bottom).
CATALOG_MODELS = (
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
    *,
    listings: bool = True,
) -> HttpResponse:
    """The response `render(extra_context)` gives, cached and shared by every shopper.

    `render` must pass `extra_context` to its template (it carries the placeholders and
    an anonymous `user`). Only 200 responses are stored; a 404 is rendered every time.
    The page is stale when the catalog revision changes, when the listings do
    (`listings`: it shows which products are where; a product page says False and
    depends on its product instead), and when a token it recorded while rendering does
    (`depends_on`: the products whose cards it shows). A page that also shows what no
    token tracks (the impact board's figures) gives `max_age` in seconds (or a function
    that tells, after rendering): it is rendered again after that.
    """
    if not settings.CATALOG_PAGES_CACHED:  # every page rendered (the search benchmark)
        response = render({})
        response[CACHE_HEADER] = "render"
        return response
    if request.method != "GET" or CookieStorage.cookie_name in request.COOKIES:
        response = render({})  # messages waiting: theirs
        response[CACHE_HEADER] = "bypass"
        return response
    fragment = bool(request.htmx) and not request.htmx.history_restore_request
    key = cache_key(
        "page", get_language() or "", request.path, _known_params(request), str(fragment)
    )
    # With the tokens it depended on when this process last met it: one round trip.
    found = cache.get_many([REVISION_KEY, LISTINGS_KEY, key, *_token_keys.get(key, ())])
    stored = found.get(key)
    now = timezone.now()
    answered, holding = "hit", False
    stale, previous = _stale_tokens(stored, found, now), stored
    if stale != set():
        # One request at a time brings a stale page up to date: the others are given the
        # page as it was meanwhile, or wait for it (a while) when there is none.
        # Stale only by some of the cards it shows (a stock change, a new price): those
        # alone, from the page as read (not read again once the mark is taken).
        cards_only = bool(stale) and stale <= previous[6].keys()
        stored, found, answered, holding = _rendered_by_another(
            key, now, previous, read_again=not cards_only
        )
        if stored is None and holding and cards_only:
            try:
                stored, answered = _with_cards_replaced(key, previous, stale), "cards"
            except BaseException:
                cache.delete(_rendering_key(key))
                raise
            if stored is not None:
                cache.delete(_rendering_key(key))
                holding = False
    if stored is not None:
        _remember_token_keys(key, stored)
        content_type, content, account_navs = stored[2], stored[3], stored[5]
        response = HttpResponse(content, content_type=content_type)
        response[CACHE_HEADER] = answered
    else:
        try:
            # Read before the rows the page shows: a write committed after is seen.
            revision = found.get(REVISION_KEY) or catalog_revision()
            with recording_dependencies() as tokens:
                if listings:
                    depends_on(current_tokens([LISTINGS_KEY], found))
                try:
                    response = render(
                        {
                            "csrf_token": CSRF_PLACEHOLDER,
                            "server_now": NOW_PLACEHOLDER,
                            "account_nav_placeholder": ACCOUNT_NAV_PLACEHOLDER,
                            "user": AnonymousUser(),
                        }
                    )
                except Http404:
                    _forget(key, previous)
                    raise
                cards = patchable_cards()
                kept_until = recorded_good_until()
            response[CACHE_HEADER] = "render"
            if response.status_code != 200:
                _forget(key, previous)
                return response
            content = response.content.decode(response.charset)
            account_navs = _account_navs() if ACCOUNT_NAV_PLACEHOLDER in content else None
            # Prices change when a promotion starts or ends: the page is good until then.
            good_until = next_boundary(now)
            if kept_until is not None:  # facet counts, a search's candidates
                good_until = min(good_until, kept_until) if good_until else kept_until
            if callable(max_age):
                max_age = max_age()
            if max_age is not None:
                expires = now + timedelta(seconds=max_age)
                good_until = min(good_until, expires) if good_until else expires
            stored = (
                revision,
                tokens,
                response["Content-Type"],
                content,
                good_until,
                account_navs,
                cards,
            )
            cache.set(key, stored, settings.CATALOG_PAGE_CACHE_SECONDS)
            _remember_token_keys(key, stored)
        finally:
            if holding:
                cache.delete(_rendering_key(key))
    if account_navs is not None:
        content = content.replace(
            ACCOUNT_NAV_PLACEHOLDER, account_navs[request.user.is_authenticated]
        )
        response.content = content
    if CSRF_PLACEHOLDER in content:
        content = content.replace(CSRF_PLACEHOLDER, get_token(request))
        response.content = content
    if NOW_PLACEHOLDER in content:
        response.content = content.replace(NOW_PLACEHOLDER, f"{time.time():.3f}")
    patch_vary_headers(response, ["HX-Request"])
    return response


# (revision, tokens, content type, content, good until, account links, card keys: the
# version keys of the products shown only as cards, and their ids)
STORED_LENGTH = 7
# Page key -> the keys of the tokens it depended on, as this process last met it (read
# with the page the next time); the oldest forgotten beyond TOKEN_KEYS_KEPT pages.
TOKEN_KEYS_KEPT = 5000
_token_keys: dict[str, tuple[str, ...]] = {}


def _remember_token_keys(key: str, stored: tuple) -> None:
    keys = tuple(stored[1])
    if _token_keys.get(key) == keys:
        return
    if len(_token_keys) >= TOKEN_KEYS_KEPT:
        _token_keys.pop(next(iter(_token_keys)), None)
    _token_keys[key] = keys


def _stale_tokens(stored: Any, found: dict, now: Any) -> set[str] | None:
    """Which tokens of the page `stored` changed (empty: it is current), or None when it
    must be rendered again whatever they are: missing, of another shape, of another
    catalog revision, or past a price boundary. `found`: a get_many of REVISION_KEY,
    LISTINGS_KEY and the tokens the page had when last met; others are read in one more
    round trip."""
    if stored is None or len(stored) != STORED_LENGTH:
        return None
    revision, tokens, good_until = stored[0], stored[1], stored[4]
    if revision != found.get(REVISION_KEY) or (good_until is not None and now >= good_until):
        return None
    unread = [key for key in tokens if key not in found]
    current = {**found, **cache.get_many(unread)} if unread else found
    return {key for key, token in tokens.items() if current.get(key) != token}


def _fresh(stored: Any, found: dict, now: Any) -> bool:
    return _stale_tokens(stored, found, now) == set()


def _with_cards_replaced(key: str, stored: tuple, stale: set[str]) -> tuple | None:
    """The page `stored`, stale by the tokens `stale`, with the cards of the products
    they are the versions of rendered again (one query for them, none for the rest),
    stored; None if one is not a card-only product of the page or is no longer shown."""
    card_keys = stored[6]
    if not stale <= card_keys.keys():
        return None
    with recording_dependencies() as tokens:
        cards = product_cards_by_id([card_keys[token] for token in stale])
    content = replace_cards(stored[3], cards) if len(cards) == len(stale) else None
    if content is None:
        return None
    patched = (stored[0], {**stored[1], **tokens}, stored[2], content, *stored[4:])
    cache.set(key, patched, settings.CATALOG_PAGE_CACHE_SECONDS)
    return patched


def _forget(key: str, previous: Any) -> None:
    """The page at `key` is gone (a product hidden: 404) or is no longer a page: the
    version stored is never given again, even while another request renders it."""
    if previous is not None:
        cache.delete(key)


def _rendering_key(key: str) -> str:
    return f"{key}:rendering"


def _rendered_by_another(
    key: str, now: Any, previous: Any = None, *, read_again: bool = True
) -> tuple:
    """(stored page or None, the revisions read, how it was answered, whether this
    request holds the page's rendering mark) for a page not fresh in the cache; None:
    this request renders it (`read_again`: unless another stored it meanwhile, which
    the mark's holder checks by reading the page again; without, the revisions read
    are none). While another process holds the mark, this one is given
    `previous` (the page as it was, "stale") if there is one, else waits up to
    PAGE_RENDER_WAIT_SECONDS for the page being rendered ("waited"), then renders it
    too. With the cache unreachable nobody holds the mark and every request renders;
    with pages not stored at all (CATALOG_PAGE_CACHE_SECONDS 0) there is nothing to
    wait for."""
    if settings.CATALOG_PAGE_CACHE_SECONDS <= 0:
        return None, cache.get_many([REVISION_KEY, LISTINGS_KEY]), "render", False
    rendering = _rendering_key(key)
    if cache.add(rendering, 1, settings.PAGE_RENDER_WAIT_SECONDS):
        if not read_again:
            return None, {}, "render", True
        # Rendered and stored by another between our read and our mark: that one.
        found = cache.get_many([REVISION_KEY, LISTINGS_KEY, key])
        if _fresh(found.get(key), found, now):
            cache.delete(rendering)
            return found.get(key), found, "hit", False
        return None, found, "render", True
    if previous is not None and len(previous) == STORED_LENGTH:
        return previous, {}, "stale", False
    deadline = time.monotonic() + settings.PAGE_RENDER_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(RENDER_POLL_SECONDS)
        found = cache.get_many([REVISION_KEY, LISTINGS_KEY, key, rendering])
        if _fresh(found.get(key), found, timezone.now()):
            return found.get(key), found, "waited", False
        if rendering not in found:  # done without storing, failed, or the cache is gone
            break
    return None, cache.get_many([REVISION_KEY, LISTINGS_KEY]), "render", False


def _account_navs() -> tuple[str, str]:
    """The header's account links for a visitor and for a signed-in shopper, in the
    language of the page (their CSRF token a placeholder too)."""
    return tuple(
        render_to_string(
            "partials/account_nav.html", {"signed_in": signed_in, "csrf_token": CSRF_PLACEHOLDER}
        )
        for signed_in in (False, True)
    )


def _catalog_changed(sender: type[Model], **kwargs: Any) -> None:
    bump_catalog_revision()


def _product_saved(sender: type[Model], instance: Product, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    listings = kwargs.get("created") or instance.changes_listings(update_fields)
    # Moved to another shop: the shelf of the one it left too ("more from this shop").
    vendors = {instance.vendor_id, instance.loaded_value("vendor_id")} - {None}
    bump_products(
        [instance.pk],
        listings=listings,
        prices=instance.changes_prices(update_fields),
        vendor_ids=vendors,
    )
    instance.remember_saved()


def _product_deleted(sender: type[Model], instance: Product, **kwargs: Any) -> None:
    bump_products([instance.pk], listings=True, vendor_ids=[instance.vendor_id])


def _photo_changed(sender: type[Model], instance: ProductImage, **kwargs: Any) -> None:
    bump_products([instance.product_id], listings=False)  # its card and page


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
post_save.connect(_product_saved, sender=Product, dispatch_uid="page-cache-Product")
post_delete.connect(_product_deleted, sender=Product, dispatch_uid="page-cache-del-Product")
post_save.connect(_photo_changed, sender=ProductImage, dispatch_uid="page-cache-ProductImage")
post_delete.connect(_photo_changed, sender=ProductImage, dispatch_uid="page-cache-del-ProductImage")

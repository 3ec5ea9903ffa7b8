"""What cached catalog pages depend on: tokens in the cache that writes replace.

- The catalog *revision*: every page and value cached with it (the price schedule,
  taxonomy choices, whole pages in catalog/page_cache.py) is stale once it changes. A
  change of a vendor, the taxonomy, a promotion or a synonym replaces it.
- The *listings* token: which products a listing, a search or a count shows, and in what
  order. A product created, deleted, hidden or shown, moved, renamed, sold out or back
  in stock replaces it; a card's details (its price, stock above zero, units sold,
  rating, photos) do not.
- The *prices* token: the order of the listings sorted by price and what those filtered
  by price show (catalog/views.py). A product repriced (its list price, or its promoted
  price rewritten) replaces it.
- Each product's *version* and each vendor's *shelf* token: a page showing a product's
  card or its page is stale once its version changes; a product page's "more from this
  shop" is stale once its vendor's shelf (which of its products show) changes.

A page records the tokens it depends on while it renders (`depends_on`), reading each
*before* the rows it shows, so a write committed meanwhile leaves it stale, never
wrong. Writes that go through `save()` replace them through catalog/page_cache.py's
signal handlers; writes that bypass it (`QuerySet.update()`, `bulk_create`,
`bulk_update`) call `bump_catalog_revision()` or `bump_products()` themselves. Each is
replaced at once and again when the transaction commits: a page rendered from the old
rows between the two is stored under the first token, never the last.
"""

import hashlib
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from catalog.models import Product

REVISION_KEY = "catalog:revision"
LISTINGS_KEY = "catalog:listings"
PRICES_KEY = "catalog:prices"
# Tokens kept until replaced (a product's version and a shelf expire: TOKEN_SECONDS).
LASTING_KEYS = (LISTINGS_KEY, PRICES_KEY)
T = TypeVar("T")
# A product's version or a vendor's shelf token lives this long unless replaced; one
# expired (or evicted) is simply new: a page stored with the old one renders again.
TOKEN_SECONDS = 24 * 60 * 60
# The tokens the page being rendered depends on (key: token), or None outside one.
_depends: ContextVar[dict[str, str] | None] = ContextVar("catalog_page_depends", default=None)
# Of those, the product versions the page shows only as cards (key: product id), and the
# tokens it depends on as a whole (its own product's version on a product page).
_card_keys: ContextVar[dict[str, int] | None] = ContextVar("catalog_card_keys", default=None)
_whole_keys: ContextVar[set[str] | None] = ContextVar("catalog_whole_keys", default=None)
# The soonest a value the page shows expires (facet counts, a search's candidates), or
# None: the page is good until then.
_good_until: ContextVar[list[datetime] | None] = ContextVar("catalog_good_until", default=None)


def product_key(pk: object) -> str:
    return f"catalog:product:{pk}"


def shelf_key(vendor_pk: object) -> str:
    return f"catalog:shelf:{vendor_pk}"


def _new_revision() -> None:
    cache.set(REVISION_KEY, uuid.uuid4().hex, None)


def bump_catalog_revision() -> None:
    """Make every cached catalog page stale. Call after writes that bypass save().

    Bumps now, and again when the surrounding transaction commits: a page rendered
    from the old rows between the two is stored under the first token, never the last.
    """
    _new_revision()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_new_revision)


def bump_products(
    ids: Iterable[object],
    *,
    listings: bool,
    prices: bool = False,
    vendor_ids: Iterable[object] | None = None,
) -> None:
    """Make stale the pages showing these products (their own, every page with their
    card). `listings`: what shows where changed too (a product hidden, renamed, sold
    out…), so every listing, search and count, and the shelves of `vendor_ids` (read
    from the products when not given) are stale as well. `prices`: their prices
    changed, so the listings sorted or filtered by price are stale as well."""
    ids = list(ids)
    keys = [product_key(pk) for pk in ids]
    if listings:
        if vendor_ids is None:
            vendor_ids = Product.objects.filter(pk__in=ids).values_list("vendor_id", flat=True)
        keys += [shelf_key(pk) for pk in set(vendor_ids)]
    lasting = [LISTINGS_KEY] if listings else [PRICES_KEY] if prices else []
    if not keys and not lasting:
        return
    _new_tokens(keys, lasting)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _new_tokens(keys, lasting))


def _new_tokens(keys: list[str], lasting: list[str]) -> None:
    if keys:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, TOKEN_SECONDS)
    if lasting:
        cache.set_many({key: uuid.uuid4().hex for key in lasting}, None)


def current_tokens(keys: Iterable[str], found: dict | None = None) -> dict[str, str]:
    """The tokens now under `keys` (from `found`, a get_many already made, else read),
    a new one set for each missing. Read them before the rows a page shows."""
    keys = list(keys)
    if found is None:
        found = cache.get_many(keys)
    tokens = {key: found[key] for key in keys if found.get(key) is not None}
    missing = {key: uuid.uuid4().hex for key in keys if key not in tokens}
    if missing:
        expiring = {key: token for key, token in missing.items() if key not in LASTING_KEYS}
        if expiring:
            cache.set_many(expiring, TOKEN_SECONDS)
        for key in missing.keys() & set(LASTING_KEYS):
            cache.add(key, missing[key], None)
            missing[key] = cache.get(key) or missing[key]
        tokens.update(missing)
    return tokens


def depends_on(tokens: dict[str, str], *, cards: dict[str, int] | None = None) -> None:
    """The page being rendered (if any) is stale once one of these tokens changes.
    `cards` (version key: product id): these tokens are product versions the page shows
    only as those products' cards, which can be rendered again alone
    (`patchable_cards`)."""
    recorded = _depends.get()
    if recorded is None:
        return
    recorded.update(tokens)
    if cards is not None:
        _card_keys.get().update(cards)
    else:
        _whole_keys.get().update(tokens)


def good_until(moment: datetime) -> None:
    """The page being rendered (if any) shows a value kept until `moment` (facet counts,
    a search's candidates): it is rendered again from then on."""
    recorded = _good_until.get()
    if recorded is not None:
        recorded.append(moment)


def recorded_good_until() -> datetime | None:
    """Inside `recording_dependencies`: the soonest moment given to `good_until`."""
    return min(_good_until.get() or [], default=None)


@contextmanager
def recording_dependencies() -> Iterator[dict[str, str]]:
    """The tokens what renders inside depends on (`depends_on`), filled as it goes."""
    recorded: dict[str, str] = {}
    variables = (_depends, _card_keys, _whole_keys, _good_until)
    values = (recorded, {}, set(), [])
    resets = [var.set(value) for var, value in zip(variables, values, strict=True)]
    try:
        yield recorded
    finally:
        for var, reset in zip(variables, resets, strict=True):
            var.reset(reset)


def patchable_cards() -> dict[str, int]:
    """Inside `recording_dependencies`: the version keys recorded so far of products the
    page shows only as cards (key: product id), not among the tokens it depends on as a
    whole. A page stale by these alone is brought up to date by rendering those cards."""
    whole = _whole_keys.get() or set()
    return {key: pk for key, pk in (_card_keys.get() or {}).items() if key not in whole}


def catalog_revision() -> str:
    revision = cache.get(REVISION_KEY)
    if revision is None:
        cache.add(REVISION_KEY, uuid.uuid4().hex, None)
        revision = cache.get(REVISION_KEY)
    return revision


def cache_key(kind: str, *parts: str) -> str:
    # A part may be None with the cache unreachable (no revision read): nothing is stored.
    joined = "|".join(str(part) for part in parts)
    return f"catalog:{kind}:" + hashlib.sha256(joined.encode()).hexdigest()


def cached_value(name: str, build: Callable[[], T]) -> T:
    """`build()`, cached until the catalog changes (taxonomy choices, landings)."""
    key = cache_key("value", name)
    found = cache.get_many([REVISION_KEY, key])
    revision = found.get(REVISION_KEY) or catalog_revision()
    stored = found.get(key)
    if stored is not None and stored[0] == revision:
        return stored[1]
    value = build()
    cache.set(key, (revision, value), settings.CATALOG_PAGE_CACHE_SECONDS)
    return value

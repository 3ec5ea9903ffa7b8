"""The catalog revision: a token in the cache that every write to the catalog replaces,
and the values cached with it (the price schedule, taxonomy choices, whole pages in
catalog/page_cache.py), which are stale once it changes.

Writes that go through `save()` bump it through catalog/page_cache.py's signal handlers;
writes that bypass it (`QuerySet.update()`, `bulk_create`, `bulk_update`) call
`bump_catalog_revision()` themselves.
"""

import hashlib
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

REVISION_KEY = "catalog:revision"
T = TypeVar("T")


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


def catalog_revision() -> str:
    revision = cache.get(REVISION_KEY)
    if revision is None:
        cache.add(REVISION_KEY, uuid.uuid4().hex, None)
        revision = cache.get(REVISION_KEY)
    return revision


def cache_key(kind: str, *parts: str) -> str:
    return f"catalog:{kind}:" + hashlib.sha256("|".join(parts).encode()).hexdigest()


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

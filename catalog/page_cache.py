"""Server-side caching of the catalog pages shoppers read most.

A cached fragment is keyed by the catalog's *revision*: the newest `updated_at` of
products, vendors and the taxonomy, read in one small indexed query. Any write that
changes what a page shows (a price, stock, a vendor suspended, a renamed county) moves
the revision, so the next request renders afresh: a change shows at once, on every
process, without anyone remembering to clear a cache. Writes that bypass `save()` must
set `updated_at` themselves (`Product.objects.filter(...).update(stock=..., updated_at=now)`).

Deleting a row does not move the revision; products are archived, not deleted, and the
cache timeout bounds how long a deleted row can linger in a cached list.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils.translation import get_language

from catalog.models import Category, County, Prefecture, Product, Vendor

_REVISION_TABLES = (Product, Vendor, Category, County, Prefecture)


def catalog_revision():
    """A string that changes whenever anything a catalog page shows changes."""
    quote = connection.ops.quote_name
    subqueries = ", ".join(
        f"(SELECT MAX({quote('updated_at')}) FROM {quote(model._meta.db_table)})"
        for model in _REVISION_TABLES
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {subqueries}")
        row = cursor.fetchone()
    return "|".join(str(value) for value in row)


def cached_fragment(name, request, build, *, revision=None):
    """Return the HTML `build()` renders for this page, language and query string.

    `build` runs only on a miss. Pass `revision` when the caller already read it.
    """
    revision = revision or catalog_revision()
    raw = "|".join([name, revision, get_language() or "", request.get_full_path()])
    key = "catalog-page:" + hashlib.sha256(raw.encode()).hexdigest()
    html = cache.get(key)
    if html is None:
        html = build()
        cache.set(key, html, settings.CATALOG_PAGE_CACHE_SECONDS)
    return html


def cached_value(name, build, *, revision):
    """Like `cached_fragment`, for a value shared by all pages (taxonomy choices)."""
    key = "catalog-value:" + hashlib.sha256(f"{name}|{revision}".encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, settings.CATALOG_PAGE_CACHE_SECONDS)
    return value

"""Rebuilding products' search documents in bulk: the worker does it when a vendor,
category, county or prefecture is renamed (catalog/tasks.py, queued by
catalog/services.py's `schedule_search_refresh`)."""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from catalog.models import Product
from catalog.revision import bump_catalog_revision
from catalog.search import SEARCH_FIELDS, fill_search_fields
from catalog.search.words import record_search_words

SEARCH_REBUILD_BATCH = 500


def refresh_search_documents(products: QuerySet) -> int:
    """Rebuild the search documents and pinyin of `products` (a queryset), in batches."""
    products = products.select_related(
        "vendor", "category__parent", "origin_county__prefecture"
    ).order_by("pk")
    updated = 0
    batch = []
    for product in products.iterator(chunk_size=SEARCH_REBUILD_BATCH):
        fill_search_fields(product)
        product.updated_at = timezone.now()
        batch.append(product)
        if len(batch) == SEARCH_REBUILD_BATCH:
            updated += _write_search_documents(batch)
            batch = []
    return updated + _write_search_documents(batch)


def _write_search_documents(batch: list) -> int:
    with transaction.atomic():
        Product.objects.bulk_update(batch, [*SEARCH_FIELDS, "updated_at"])
        record_search_words(product.search_document for product in batch)
        bump_catalog_revision()  # bulk_update sends no signals
    return len(batch)

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from catalog.models import Product
from catalog.search.words import rebuild_search_words
from catalog.search_documents import refresh_search_documents

REFRESHABLE_FILTERS = {
    "vendor_id",
    "category_id",
    "category__parent_id",
    "origin_county_id",
    "origin_county__prefecture_id",
}


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def refresh_search_documents_task(product_filter: dict) -> int:
    """Rebuild search documents for the products `product_filter` names (JSON: field -> id).

    Safe to run twice: it recomputes the same documents.
    """
    product_filter = {k: v for k, v in product_filter.items() if k in REFRESHABLE_FILTERS}
    if not product_filter:
        return 0
    return refresh_search_documents(Product.objects.filter(**product_filter))


@shared_task
def clear_expired_sessions_task() -> int:
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task
def rebuild_search_words_task() -> int:
    """The dictionary misspellings are corrected against, recounted (nightly)."""
    return rebuild_search_words()

from datetime import timedelta

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from catalog.models import Product
from catalog.promotions.pricing import schedule_at
from catalog.promotions.services import sweep_promotions
from catalog.promotions.shown_prices import refresh_shown_prices
from catalog.services import refresh_search_documents

# How often beat runs the promotion sweep (CELERY_BEAT_SCHEDULE["sweep-promotions"]).
SWEEP_EVERY = timedelta(seconds=60)

REFRESHABLE_FILTERS = {
    "vendor_id",
    "category_id",
    "category__parent_id",
    "origin_county_id",
    "origin_county__prefecture_id",
}


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def refresh_search_documents_task(product_filter):
    """Rebuild search documents for the products `product_filter` names (JSON: field -> id).

    Safe to run twice: it recomputes the same documents.
    """
    product_filter = {k: v for k, v in product_filter.items() if k in REFRESHABLE_FILTERS}
    if not product_filter:
        return 0
    return refresh_search_documents(Product.objects.filter(**product_filter))


@shared_task
def clear_expired_sessions_task():
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task
def sweep_promotions_task(at_boundary=False):
    """Every minute from beat; running it twice or late does no harm.

    It also stores the card prices listings sort by (catalog/shown_prices.py), for every
    product whose stored price is off, so a sweep missed is caught up by the next. A
    promotion starting or ending before the next beat gets a sweep of its own at that
    moment (a countdown under a minute), so the sort follows the cards at once."""
    result = sweep_promotions()
    repriced = refresh_shown_prices()
    if not at_boundary:
        _sweep_at_coming_boundaries(timezone.now())
    return {
        "started": result.started,
        "ended": result.ended,
        "reminded": result.reminded,
        "repriced": repriced,
    }


def _sweep_at_coming_boundaries(now):
    coming = {
        moment
        for promotion in schedule_at(now)
        for moment in (promotion.starts_at, promotion.ends_at)
        if now < moment <= now + SWEEP_EVERY
    }
    for moment in sorted(coming):
        sweep_promotions_task.apply_async(
            kwargs={"at_boundary": True}, countdown=(moment - now).total_seconds()
        )

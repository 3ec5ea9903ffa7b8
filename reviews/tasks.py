"""Reviews' periodic work: each shop's 90-day rating again every night, as reviews age
out of the window (a new or hidden review refreshes its shop at once already)."""

from celery import shared_task

from reviews import ratings


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def refresh_shop_ratings_task() -> int:
    """Every shop's storefront rating over the last 90 days. Safe to run twice: it
    recomputes the same figures. Returns how many shops were refreshed."""
    return ratings.refresh_all_shop_ratings()

"""The promotion sweep beat runs every minute (CELERY_BEAT_SCHEDULE["sweep-promotions"]);
the worker imports this module through CELERY_IMPORTS."""

from datetime import datetime, timedelta

from celery import shared_task
from django.utils import timezone

from catalog.promotions.pricing import schedule_at
from catalog.promotions.services import sweep_promotions
from catalog.promotions.shown_prices import refresh_shown_prices

# How often beat runs the promotion sweep (CELERY_BEAT_SCHEDULE["sweep-promotions"]).
SWEEP_EVERY = timedelta(seconds=60)


# Named as before it moved here: beat's schedule (kept in the database) calls it by name.
@shared_task(name="catalog.tasks.sweep_promotions_task")
def sweep_promotions_task(at_boundary: bool = False) -> dict:
    """Every minute from beat; running it twice or late does no harm.

    It also stores the card prices listings sort by (catalog/promotions/shown_prices.py),
    for every product whose stored price is off, so a sweep missed is caught up by the
    next. A
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


def _sweep_at_coming_boundaries(now: datetime) -> None:
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

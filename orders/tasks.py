from datetime import date

from celery import shared_task

from orders.impact import rollups as impact


@shared_task
def rebuild_recent_impact_task() -> None:
    """Today's and yesterday's impact rollups, from the orders (beat, every 10 minutes).
    Safe to run late or twice: each run replaces the rows with what the orders say."""
    impact.rebuild_recent_days()


@shared_task
def rebuild_impact_day_task(day_iso: str) -> None:
    """One day's rollups again (the admin's "rebuild" action)."""
    impact.rebuild_day(date.fromisoformat(day_iso))

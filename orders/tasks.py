from datetime import date

from celery import shared_task

from orders.impact import rollups as impact
from orders.shipping.services import delivery


@shared_task
def rebuild_recent_impact_task() -> None:
    """Today's and yesterday's impact rollups, from the orders (beat, every 10 minutes).
    Safe to run late or twice: each run replaces the rows with what the orders say."""
    impact.rebuild_recent_days()


@shared_task
def rebuild_impact_day_task(day_iso: str) -> None:
    """One day's rollups again (the admin's "rebuild" action)."""
    impact.rebuild_day(date.fromisoformat(day_iso))


@shared_task
def sweep_deliveries_task() -> dict[str, int]:
    """Receipt confirmed for the shipped parts whose days are over, then their shoppers
    reminded of those confirmed within a day (beat, every 15 minutes). Safe to run late,
    twice, or while shoppers confirm: each part is looked at again once locked."""
    return {
        "confirmed": delivery.confirm_due_receipts(),
        "reminded": delivery.remind_due_confirmations(),
    }

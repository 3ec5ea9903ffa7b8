"""Recompute the impact board's daily rollups from the orders.

    python manage.py rebuild_impact                 # every day since the first order
    python manage.py rebuild_impact --since 2026-04-01

Run it once after upgrading to a release that adds the impact board, or to repair the
figures of older days (beat already rebuilds today and yesterday every 10 minutes).
Each day is replaced in its own transaction, so the board stays readable meanwhile and
the command can be stopped and run again.
"""

from datetime import date

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from orders.impact import rollups as impact
from orders.impact.selectors import BOARD_CACHE_KEY


class Command(BaseCommand):
    help = "Recompute the impact board's daily rollups from the orders."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="first day to rebuild, YYYY-MM-DD")
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not draw a progress bar."
        )

    def handle(self, *args, since, no_progress, **options):
        try:
            since = date.fromisoformat(since) if since else None
        except ValueError as error:
            raise CommandError(f"--since: {error}; give a day as YYYY-MM-DD") from error
        days = impact.days_to_rebuild(since)
        rows = 0
        for day in tqdm(days, desc="Rebuilding days", unit="day", disable=no_progress):
            rows += impact.rebuild_day(day)
        cache.delete(BOARD_CACHE_KEY)
        self.stdout.write(f"Rebuilt {len(days)} days ({rows} rollup rows).")

"""Recount the shoppers' promotion allowances from their orders.

    python manage.py recount_promotion_allowances

Run it once after deploying the release that adds the allowances, when every gunicorn
and Celery process has restarted: orders placed meanwhile by processes of the previous
release were not counted. A recount (safe to run again, and while the store sells), in
batches each committed on its own.
"""

from django.core.management.base import BaseCommand

from catalog.promotions.models import PromotionAllowance
from orders.models import OrderLine
from orders.promotion_allowances import recount_promotion_allowances


class Command(BaseCommand):
    help = "Recount the shoppers' promotion allowances from their orders."

    def handle(self, *args, **options):
        pairs = recount_promotion_allowances(OrderLine, PromotionAllowance)
        self.stdout.write(f"Recounted {pairs} promotion allowances.")

"""Recount every product's units sold (已售) from its orders.

    python manage.py recount_units_sold

The figure moves with each checkout, cancellation and refund (orders/locks.py); run
this after importing orders, after a repair, or to replace seeded figures (seed_demo's)
with what the orders say. Lines of parts not cancelled count, less the units refunded
(orders/units_sold.py). In batches, each committed on its own: safe to stop, to run
again and to run while the store sells.
"""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from catalog.models import Product
from orders.units_sold import recount_units_sold


class Command(BaseCommand):
    help = "Recount every product's units sold (已售) from its orders."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not draw a progress bar."
        )

    def handle(self, *args, no_progress, **options):
        recounted = 0

        with tqdm(
            total=Product.objects.count(),
            desc="Recounting products",
            unit="product",
            disable=no_progress,
            file=self.stderr._out,
        ) as bar:

            def progress(batch: int) -> None:
                nonlocal recounted
                recounted += batch
                bar.update(batch)

            changed = recount_units_sold(progress=progress)
        self.stdout.write(f"Recounted {recounted} products: {changed} changed.")

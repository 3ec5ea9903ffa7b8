"""Book the orders that came before settlement into the shops' ledgers.

    python manage.py settle_existing
    python manage.py settle_existing --no-progress

Run it once after upgrading to the release that adds settlement: every part whose money
the platform received gets its sale, fee and commission (at its lines' rates; lines sold
before any rate existed carry none), the refunds since are taken from it, and received
parts are released (paid to the platform) or charged their commission (cash on
delivery). Batches of 500 parts, each in its own transaction: it can be stopped and run
again, and a second run books nothing.
"""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from settlement.books import check_books
from settlement.services.backfill import book_existing


class Command(BaseCommand):
    help = "Book the orders that came before settlement into the shops' ledgers."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not draw a progress bar."
        )

    def handle(self, *args, no_progress, **options):
        with tqdm(desc="Booking parts", unit="part", disable=no_progress) as progress:
            written = book_existing(progress=progress)
        self.stdout.write(f"Booked {written} ledger entries.")
        report = check_books()
        if report.balanced:
            self.stdout.write(self.style.SUCCESS("The books balance."))
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"The books do not balance: {len(report.shops)} shops, "
                    f"{len(report.orders)} orders, {len(report.missing)} missing entries "
                    "(manage.py check_books lists them)."
                )
            )

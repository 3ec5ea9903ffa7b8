import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from demo import aftersales as aftersales_demo
from demo import catalog as seed
from demo import orders as order_demo
from demo.livestream import seed_stream_orders, seed_streams
from demo.pledges import seed_pledges
from demo.promotions import seed_promotions
from demo.reviews import seed_reviews
from demo.settlement import seed_settlement
from demo.shipping import seed_freight, seed_receipt_days


class Command(BaseCommand):
    help = (
        "Build a believable made-in-Hubei demo catalog: vendors in real counties, products "
        "from real specialties with generated photos, keyword landings and a staff login. "
        "Safe to run again: only what is missing is created."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--products", type=int, default=2000, help="How many products (default 2000)."
        )
        parser.add_argument(
            "--orders",
            type=int,
            default=None,
            help="How many orders over the last two months (default DEMO_ORDERS, 1200).",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not draw a progress bar."
        )

    def handle(self, *args, products, no_progress, orders=None, **options):
        if products < 0:
            raise CommandError("--products must be 0 or more.")
        orders = settings.DEMO_ORDERS if orders is None else orders
        if orders < 0:
            raise CommandError("--orders must be 0 or more.")
        started = time.monotonic()
        seed.seed_reference_data()
        vendors = seed.seed_vendors()
        self.stdout.write(f"Vendors: {len(vendors)}")
        with tqdm(
            total=products,
            desc="Products",
            unit="product",
            disable=no_progress,
            file=self.stderr._out,
        ) as progress:
            created = seed.seed_products(products, vendors, progress=progress)
        seed.seed_landings()
        templates, links = seed_freight(vendors)
        days_set = seed_receipt_days()
        self.stdout.write(
            f"Freight: {templates} new templates, {links} products linked to theirs; "
            f"receipt days set for {days_set} fresh categories"
        )
        promotions = seed_promotions()
        self.stdout.write(
            f"Promotions: {promotions} new (a season from April to June, and some running now)"
        )
        self.stdout.write(
            f"Livestreams: {seed_streams()} new (one ended with its replay, "
            "one live now, two coming)"
        )
        days = order_demo.seed_orders(count=orders) | seed_stream_orders()
        order_demo.rebuild(days)
        settled = seed_settlement()  # before after-sales: its refunds are taken from the books
        self.stdout.write(
            f"Settlement: {settled.rates} new commission rates, {settled.lines} order lines "
            f"rated, {settled.entries} ledger entries, {settled.accounts} bank accounts, "
            f"{settled.payouts} payouts in a new run (one paid, one failed), "
            f"{settled.adjustments} new adjustment"
        )
        hours_set = aftersales_demo.seed_aftersales_hours()
        self.stdout.write(
            f"After-sales: {aftersales_demo.seed_requests()} new requests (one awaiting "
            f"the shop, one offered, two escalated, one refunded); 48 hours set for "
            f"{hours_set} fresh categories"
        )
        self.stdout.write(
            f"Reviews: {seed_reviews()} new on received parcels (some with photos, "
            "follow-ups and the shops' replies; one hidden by staff)"
        )
        pledges = seed_pledges(vendor_slug=seed.DEMO_VENDOR_SLUG)
        self.stdout.write(
            f"Orders: history on {len(days)} days rebuilt into the impact "
            f"board; pledges: {pledges} new"
        )
        username, password = seed.ensure_staff_login(os.environ.get("DEMO_STAFF_PASSWORD"))
        vendor_username, vendor_password = seed.ensure_vendor_login(
            os.environ.get("DEMO_VENDOR_PASSWORD")
        )
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo catalog ready: {created} new products ({products} wanted) "
                f"in {elapsed:.1f} s."
            )
        )
        if password:
            self.stdout.write(f"Staff login for /admin/: {username} / {password}")
        else:
            self.stdout.write(
                f"Staff login for /admin/: {username}, password unchanged "
                "(run with DEMO_STAFF_PASSWORD=... to set a new one)"
            )
        if vendor_password:
            self.stdout.write(f"Vendor login for /vendor/: {vendor_username} / {vendor_password}")
        elif vendor_username:
            self.stdout.write(
                f"Vendor login for /vendor/: {vendor_username}, password unchanged "
                "(run with DEMO_VENDOR_PASSWORD=... to set a new one)"
            )

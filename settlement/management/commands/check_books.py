"""`manage.py check_books`: the books check (settlement.books) as a report; exit status 1
when anything differs, 0 when the books balance. `--quiet`: the exit status alone."""

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Vendor
from settlement.books import BooksReport, check_books
from settlement.models import LedgerEntry

NOT_BALANCED = "The books do not balance."


def report_lines(report: BooksReport) -> list[str]:
    """The report as plain lines (English: for the operator's terminal and logs)."""
    total = report.total
    # A shop with entries but no account is reported by its id: its name, in one query.
    names = dict(
        Vendor.objects.filter(pk__in=[shop.vendor_id for shop in report.shops]).values_list(
            "pk", "name"
        )
    )
    lines = [
        "The books balance." if report.balanced else NOT_BALANCED,
        f"Checked {report.shop_count} shop accounts and {report.entry_count} entries.",
        "All orders:",
        f"  received          {total.received:>14.2f}",
        f"  shop credits      {total.shop_credits:>14.2f}",
        f"  commission        {total.commission:>14.2f}",
        f"  refunds           {total.refunds:>14.2f}",
        f"  owed to shoppers  {total.owed_to_shoppers:>14.2f}",
        f"  difference        {total.difference:>14.2f}",
    ]
    if report.shops:
        lines.append("Shops whose running balance differs from their entries:")
        lines += [
            f"  {names.get(shop.vendor_id, shop.vendor_name)} (#{shop.vendor_id}): running {shop.running_balance:.2f}, "
            f"entries {shop.sum_of_entries:.2f}, difference {shop.difference:.2f}"
            for shop in report.shops
        ]
    if report.orders:
        lines.append("Orders whose money does not add up:")
        lines += [
            f"  {number}: received {flow.received:.2f}, shop credits {flow.shop_credits:.2f}, "
            f"commission {flow.commission:.2f}, refunds {flow.refunds:.2f}, "
            f"owed to shoppers {flow.owed_to_shoppers:.2f}, difference {flow.difference:.2f}"
            for number, flow in report.orders.items()
        ]
    if report.missing:
        labels = dict(LedgerEntry.Kind.choices)
        lines.append("Parts missing entries:")
        lines += [
            f"  order {m.order_number}, part #{m.part_id} ({m.vendor_name}): no "
            f"{labels.get(m.missing, m.missing)} entry"
            for m in report.missing
        ]
    return lines


class Command(BaseCommand):
    help = "Check that the books balance; exit status 1 when anything differs."

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet", action="store_true", help="Print nothing; the exit status tells."
        )

    def handle(self, *args, **options):
        report = check_books()
        if not options["quiet"]:
            self.stdout.write("\n".join(report_lines(report)))
        if not report.balanced:
            raise CommandError(NOT_BALANCED, returncode=1)

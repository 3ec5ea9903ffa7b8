"""The files staff download from the admin: a shop's statement as rows (for CSV), and a
payout run's bank batch. Rows are lists of strings; `csv_response` writes them with a
UTF-8 BOM, so Excel on a Chinese Windows opens the names as they were typed."""

import csv
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Vendor
from settlement.models import PayoutRun
from settlement.selectors import statement, statement_entries

BOM = "\ufeff"


def money(amount: Decimal | None) -> str:
    """2 decimals, no thousands separator or currency sign (a bank's or a sheet's)."""
    return "" if amount is None else f"{amount:.2f}"


def moment(at: datetime | None) -> str:
    return "" if at is None else timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def group_labels() -> dict[str, str]:
    """The groups' labels in the active language."""
    return {
        "sales": _("Sales"),
        "shipping": _("Shipping fees collected"),
        "refunds": _("Refunds"),
        "commission": _("Commission"),
        "adjustments": _("Adjustments"),
        "payouts": _("Payouts"),
        "released": _("Released on receipt"),
    }


def statement_csv(vendor: Vendor, start: date, end: date) -> list[list[str]]:
    """The statement of `vendor` for start..end (inclusive) as rows: the figures, a
    blank row, then every entry in order (three queries)."""
    figures = statement(vendor.pk, start, end)
    rows = [
        [_("Shop"), vendor.name],
        [_("Period"), f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}"],
        [_("Opening balance"), money(figures.opening)],
    ]
    rows += [[label, money(figures.totals[key])] for key, label in group_labels().items()]
    rows += [[_("Closing balance"), money(figures.closing)], []]
    rows.append(
        [
            _("Booked at"),
            _("Kind"),
            _("Amount (CNY)"),
            _("Available from"),
            _("Order"),
            _("Refund"),
            _("Payout"),
            _("Note"),
        ]
    )
    for entry in statement_entries(vendor.pk, start, end):
        rows.append(
            [
                moment(entry.booked_at),
                entry.get_kind_display(),
                money(entry.amount),
                moment(entry.available_at) or _("waiting for receipt"),
                entry.part.order.number if entry.part_id else "",
                entry.refund.refund_number if entry.refund_id else "",
                entry.payout.number if entry.payout_id else "",
                entry.note,
            ]
        )
    return rows


def bank_batch_rows(run: PayoutRun) -> list[list[str]]:
    """The run's payouts for the bank: payee, bank, branch, account number, amount (2
    decimals), reference (the payout number), in payout order (one query)."""
    rows = [
        [
            _("Payee name"),
            _("Bank"),
            _("Branch"),
            _("Account number"),
            _("Amount (CNY)"),
            _("Reference"),
        ]
    ]
    for payout in run.payouts.order_by("pk"):
        rows.append(
            [
                payout.payee,
                payout.bank,
                payout.branch,
                payout.account_number,
                money(payout.amount),
                payout.number,
            ]
        )
    return rows


def csv_response(rows: list[list[str]], filename: str) -> HttpResponse:
    """`rows` as a CSV download named `filename` (UTF-8 with a BOM)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write(BOM)
    writer = csv.writer(response)
    writer.writerows(rows)
    return response

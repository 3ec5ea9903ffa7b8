"""A statement as files a shop opens in a spreadsheet: CSV (UTF-8 with a byte-order mark,
so Excel reads the Chinese) and Excel .xlsx (a summary sheet and an entries sheet).

Both carry the summary the page shows, then one row per entry; both read the entries
in chunks, so a year of a busy shop is never all in memory as rows. The labels are
translated when the file is made (the CSV is streamed after the view returns, when the
request's language may no longer be active)."""

import csv
import tempfile
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from catalog.models import Vendor
from settlement.models import LedgerEntry
from settlement.selectors import Statement, statement_entries

CHUNK = 2000
MONEY_FORMAT = "0.00"
TIME_FORMAT = "yyyy-mm-dd hh:mm"
SUMMARY_LINES = ("sales", "shipping", "refunds", "commission", "adjustments", "payouts")


def summary_labels() -> dict[str, str]:
    """The statement's lines as the page, the CSV and the workbook name them."""
    return {
        "opening": pgettext("shop funds", "Opening balance"),
        "sales": pgettext("shop funds", "Sales"),
        "shipping": pgettext("shop funds", "Shipping fees collected"),
        "refunds": pgettext("shop funds", "Refunds"),
        "commission": pgettext("shop funds", "Commission"),
        "adjustments": pgettext("shop funds", "Adjustments"),
        "payouts": pgettext("shop funds", "Payouts"),
        "closing": pgettext("shop funds", "Closing balance"),
    }


def filename(vendor: Vendor, start: date, end: date, extension: str) -> str:
    return f"statement-{vendor.slug}-{start.isoformat()}-{end.isoformat()}.{extension}"


def safe_text(text: str) -> str:
    """Text a spreadsheet will not run as a formula (notes are typed by people)."""
    text = str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _summary_rows(vendor: Vendor, report: Statement) -> list[list]:
    labels = summary_labels()
    rows = [
        [pgettext("shop funds", "Shop"), vendor.display_name],
        [pgettext("shop funds", "From"), report.start.isoformat()],
        [pgettext("shop funds", "To"), report.end.isoformat()],
        [labels["opening"], report.opening],
    ]
    rows += [[labels[line], report.totals[line]] for line in SUMMARY_LINES]
    rows.append([labels["closing"], report.closing])
    rows.append([pgettext("shop funds", "Entries"), report.entry_count])
    return rows


def _entry_header() -> list[str]:
    return [
        pgettext("shop funds", "Booked at"),
        pgettext("shop funds", "Kind"),
        pgettext("shop funds", "Order"),
        pgettext("shop funds", "Reference"),
        pgettext("shop funds", "Note"),
        pgettext("shop funds", "Amount (CNY)"),
        pgettext("shop funds", "Available from"),
    ]


def _entry_values(entry: LedgerEntry, kinds: dict[str, str], waiting: str, correction: str) -> list:
    """booked at (local, naive), kind, order, reference, note, amount, available from
    (local, naive) or `waiting`."""
    zone = timezone.get_default_timezone()
    kind = kinds.get(entry.kind, entry.kind)
    if entry.reverses_id:
        kind = f"{kind} ({correction})"
    reference = ""
    if entry.refund_id:
        reference = entry.refund.refund_number
    elif entry.payout_id:
        reference = entry.payout.number
    available = (
        timezone.localtime(entry.available_at, zone).replace(tzinfo=None)
        if entry.available_at
        else waiting
    )
    return [
        timezone.localtime(entry.booked_at, zone).replace(tzinfo=None),
        kind,
        entry.part.order.number if entry.part_id else "",
        reference,
        entry.note,
        entry.amount,
        available,
    ]


def _entry_words() -> tuple[dict[str, str], str, str]:
    kinds = {value: str(label) for value, label in LedgerEntry.Kind.choices}
    return (
        kinds,
        pgettext("shop funds", "waiting for receipt"),
        pgettext("shop funds", "correction"),
    )


def csv_lines(vendor: Vendor, report: Statement) -> Iterator[str]:
    """The CSV's lines, one at a time (for a StreamingHttpResponse)."""

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())
    summary = [
        [label, f"{value:.2f}" if isinstance(value, Decimal) else value]
        for label, value in _summary_rows(vendor, report)
    ]
    summary[0][1] = safe_text(summary[0][1])
    header = _entry_header()
    words = _entry_words()
    entries = statement_entries(vendor.pk, report.start, report.end)

    def lines() -> Iterator[str]:
        yield "\ufeff"
        for row in summary:
            yield writer.writerow(row)
        yield writer.writerow([])
        yield writer.writerow(header)
        for entry in entries.iterator(chunk_size=CHUNK):
            booked, kind, order, reference, note, amount, available = _entry_values(entry, *words)
            yield writer.writerow(
                [
                    booked.strftime("%Y-%m-%d %H:%M"),
                    kind,
                    order,
                    reference,
                    safe_text(note),
                    f"{amount:.2f}",
                    available.strftime("%Y-%m-%d %H:%M")
                    if isinstance(available, datetime)
                    else available,
                ]
            )

    return lines()


def _cell(sheet: object, value: object) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, Decimal):
        cell.number_format = MONEY_FORMAT
    elif isinstance(value, datetime):
        cell.number_format = TIME_FORMAT
    elif isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the note starts with
    return cell


def xlsx_file(vendor: Vendor, report: Statement) -> tempfile.SpooledTemporaryFile:
    """The workbook, written row by row (openpyxl's write-only mode), in a temporary
    file rewound to its start."""
    book = Workbook(write_only=True)
    summary = book.create_sheet(pgettext("shop funds", "Summary"))
    summary.column_dimensions["A"].width = 24
    summary.column_dimensions["B"].width = 28
    for row in _summary_rows(vendor, report):
        summary.append([_cell(summary, value) for value in row])
    sheet = book.create_sheet(pgettext("shop funds", "Entries"))
    for column, width in zip("ABCDEFG", (18, 30, 18, 18, 30, 14, 18), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.append([_cell(sheet, title) for title in _entry_header()])
    words = _entry_words()
    entries = statement_entries(vendor.pk, report.start, report.end)
    for entry in entries.iterator(chunk_size=CHUNK):
        sheet.append([_cell(sheet, value) for value in _entry_values(entry, *words)])
    file = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    book.save(file)
    file.seek(0)
    return file

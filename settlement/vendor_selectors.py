"""Reads of the shop's funds pages in the vendor dashboard, each scoped to one shop's id
(the dashboard's current shop: another shop's figures are never reached), each a fixed
number of queries however many entries the shop has."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from settlement.models import BankAccount, BankAccountChange, LedgerEntry, Payout
from settlement.selectors import (
    Balances,
    balances,
    becoming_available,
    payouts_of,
    waiting_for_receipt,
    week_of,
)

RECENT_PAYOUTS = 5
RECENT_CHANGES = 20
WEEKS_LISTED = 8


@dataclass(frozen=True)
class Funds:
    """What the funds page shows: the balances, the dated money to come (soonest first),
    where payouts go and the last payouts."""

    balances: Balances
    waiting: Decimal
    to_come: list[dict]
    bank_account: BankAccount | None
    payouts: list[Payout]
    has_entries: bool

    @property
    def dated(self) -> Decimal:
        """Received, not yet available: becomes available on the days of `to_come`."""
        return self.balances.pending - self.waiting


def funds_of(vendor_id: int) -> Funds:
    """Six queries."""
    now = timezone.now()
    return Funds(
        balances=balances(vendor_id, at=now),
        waiting=waiting_for_receipt(vendor_id),
        to_come=becoming_available(vendor_id, at=now),
        bank_account=bank_account_of(vendor_id),
        payouts=list(payouts_of(vendor_id)[:RECENT_PAYOUTS]),
        has_entries=LedgerEntry.objects.filter(vendor_id=vendor_id).exists(),
    )


def bank_account_of(vendor_id: int) -> BankAccount | None:
    return BankAccount.objects.filter(vendor_id=vendor_id).first()


def bank_account_changes(vendor_id: int) -> QuerySet[BankAccountChange]:
    """The latest changes first, with who made them (one query)."""
    return BankAccountChange.objects.filter(vendor_id=vendor_id).select_related("by")[
        :RECENT_CHANGES
    ]


def recent_weeks(today: date | None = None, count: int = WEEKS_LISTED) -> list[tuple[date, date]]:
    """(Monday, Sunday) of this week and the `count - 1` before it, this week first."""
    monday, _sunday = week_of(today or timezone.localdate())
    return [week_of(monday - timedelta(weeks=n)) for n in range(count)]

"""Payout runs: every shop whose available money reaches the minimum is paid all of it,
in one bank batch; staff mark each payout paid (with the bank's reference) or failed
(the money goes back to the shop's balance); the shop is told either way.

Two runs at the same moment never pay a shop twice: a payout takes the shop's money
with a conditional UPDATE of its account's version (settlement/models.py), so money
read by one run and taken by another is read again, and is then not there."""

import secrets
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from settlement import messages
from settlement.models import (
    NUMBER_ALPHABET,
    BankAccount,
    LedgerEntry,
    Payout,
    PayoutRun,
    ShopAccount,
)
from settlement.selectors import available_by_vendor, balances
from settlement.services.booking import post

Kind = LedgerEntry.Kind
MINIMUM_NOT_POSITIVE = _("The minimum payout must be above zero.")
REFERENCE_REQUIRED = _("Enter the bank's reference for this payment.")
REASON_REQUIRED = _("Say why the bank did not pay it; the shop will read it.")
NOT_PENDING = _("This payout is %(state)s already.")
NOTHING_TO_PAY = _(
    "No shop with a bank account has that much available: there is nothing to pay out."
)
ATTEMPTS = 5


class Skip:
    """Why a shop with money was left out of a run (kept on the run)."""

    NO_BANK_ACCOUNT = "no_bank_account"
    BELOW_MINIMUM = "below_minimum"  # after another run took its money meanwhile


def _run_number() -> str:
    """PR, the day, and 8 characters of the order numbers' alphabet (16 chars in all):
    two runs of one day share a number about once in a trillion."""
    return timezone.localtime().strftime("PR%y%m%d") + "".join(
        secrets.choice(NUMBER_ALPHABET) for _ in range(8)
    )


def create_run(minimum: Decimal, *, by: AbstractBaseUser | None, key: str = "") -> PayoutRun:
    """A run paying each shop its whole available balance when that reaches `minimum`.
    Each shop's payout is its own transaction; the run records who was left out.
    Raises ValidationError when no shop with a bank account has the minimum (no empty
    run), and
    IntegrityError for a confirmation `key` used already (confirmed twice: one run)."""
    if minimum is None or minimum <= 0:
        raise ValidationError(MINIMUM_NOT_POSITIVE, code="minimum_not_positive")
    if key and PayoutRun.objects.filter(form_key=key).exists():
        raise IntegrityError(f"payout run key {key} used already")
    candidates = {
        vendor_id: amount
        for vendor_id, amount in available_by_vendor().items()
        if amount >= minimum
    }
    accounts = BankAccount.objects.in_bulk(list(candidates), field_name="vendor_id")
    if not accounts:
        raise ValidationError(NOTHING_TO_PAY, code="nothing_to_pay")
    with transaction.atomic():  # a savepoint: a key used already leaves nothing behind
        run = PayoutRun.objects.create(
            number=_run_number(), minimum=minimum, created_by=by, form_key=key
        )
    skipped = []
    for vendor_id in sorted(candidates):
        account = accounts.get(vendor_id)
        if account is None:
            skipped.append({"vendor": vendor_id, "reason": Skip.NO_BANK_ACCOUNT})
            continue
        if pay_shop(run, vendor_id, account) is None:
            skipped.append({"vendor": vendor_id, "reason": Skip.BELOW_MINIMUM})
    if skipped:
        PayoutRun.objects.filter(pk=run.pk).update(skipped=skipped)
        run.skipped = skipped
    return run


def pay_shop(run: PayoutRun, vendor_id: int, account: BankAccount) -> Payout | None:
    """The shop's available money, if it still reaches the run's minimum, taken into a
    payout (None: it does not, or another run took it)."""
    for _attempt in range(ATTEMPTS):
        with transaction.atomic():
            shop, _created = ShopAccount.objects.get_or_create(vendor_id=vendor_id)
            available = balances(vendor_id).available
            if available < run.minimum:
                return None
            taken = ShopAccount.objects.filter(pk=shop.pk, version=shop.version).update(
                balance=F("balance") - available, version=F("version") + 1
            )
            if not taken:
                continue  # an entry arrived since we read: read again
            payout = Payout.objects.create(
                run=run,
                vendor_id=vendor_id,
                amount=available,
                payee=account.payee,
                bank=account.bank,
                branch=account.branch,
                account_number=account.account_number,
            )
            now = timezone.now()
            LedgerEntry.objects.create(
                vendor_id=vendor_id,
                kind=Kind.PAYOUT,
                amount=-available,
                payout=payout,
                available_at=now,
                booked_at=now,
                by=run.created_by,
            )
            return payout
    return None


def mark_paid(payout: Payout, *, bank_reference: str, by: AbstractBaseUser | None) -> Payout:
    """The bank paid it: recorded with its reference; the shop is told."""
    bank_reference = bank_reference.strip()
    if not bank_reference:
        raise ValidationError(REFERENCE_REQUIRED, code="reference_required")
    with transaction.atomic():
        _finish(payout, Payout.State.PAID, by, bank_reference=bank_reference[:64])
        payout.refresh_from_db()
        messages.notify_payout(payout)
    return payout


def mark_failed(payout: Payout, *, reason: str, by: AbstractBaseUser | None) -> Payout:
    """The bank returned it (a closed account, a wrong name): the money goes back to
    the shop's available balance, and the shop is told why."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(REASON_REQUIRED, code="reason_required")
    with transaction.atomic():
        _finish(payout, Payout.State.FAILED, by, failure_reason=reason[:200])
        payout.refresh_from_db()
        now = timezone.now()
        post(
            [
                LedgerEntry(
                    vendor_id=payout.vendor_id,
                    kind=Kind.PAYOUT_RETURNED,
                    amount=payout.amount,
                    payout=payout,
                    available_at=now,
                    booked_at=now,
                    note=reason[:300],
                    by=by,
                )
            ]
        )
        messages.notify_payout(payout)
    return payout


def _finish(payout: Payout, state: str, by: AbstractBaseUser | None, **values: str) -> None:
    changed = Payout.objects.filter(pk=payout.pk, state=Payout.State.PENDING).update(
        state=state, finished_at=timezone.now(), finished_by=by, **values
    )
    if not changed:
        payout.refresh_from_db()
        raise ValidationError(
            NOT_PENDING % {"state": payout.get_state_display()}, code="not_pending"
        )

"""A shop's bank account for payouts: entered and changed by its owner; every change is
kept with who made it and from where, and told to the owners."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction

from catalog.models import Vendor
from settlement import messages
from settlement.models import BankAccount, BankAccountChange

FIELDS = ("payee", "bank", "branch", "account_number")


def save_bank_account(
    vendor: Vendor,
    *,
    payee: str,
    bank: str,
    branch: str,
    account_number: str,
    by: AbstractBaseUser,
    ip_address: str | None = None,
) -> BankAccount:
    """Set the account payouts go to (the caller checked `by` is an owner and the values
    are valid: vendor_forms). Unchanged values record nothing and tell no one."""
    values = {
        "payee": payee.strip(),
        "bank": bank.strip(),
        "branch": branch.strip(),
        "account_number": "".join(account_number.split()),
    }
    try:
        return _save(vendor, values, by, ip_address)
    except IntegrityError:
        # Two first saves at the same moment (a double click): the other created the
        # account; this one is then a change of it (or nothing, if the same).
        return _save(vendor, values, by, ip_address)


def _save(
    vendor: Vendor, values: dict, by: AbstractBaseUser, ip_address: str | None
) -> BankAccount:
    with transaction.atomic():
        # The shop's row locked first: on PostgreSQL two saves take turns.
        Vendor.objects.select_for_update().filter(pk=vendor.pk).exists()
        account = BankAccount.objects.select_for_update().filter(vendor=vendor).first()
        before = {f: getattr(account, f) for f in FIELDS} if account else None
        if before == values:
            return account
        if account is None:
            account = BankAccount(vendor=vendor)
        for name, value in values.items():
            setattr(account, name, value)
        account.updated_by = by
        account.save()
        change = BankAccountChange.objects.create(
            vendor=vendor, before=before, after=values, by=by, ip_address=ip_address
        )
        messages.notify_bank_account_changed(change)
    return account

"""What the settlement tests read and set up: a shop's entries as (kind, amount), every
row's money as it was, the books as staff see them, rates, bank accounts."""

from decimal import Decimal

from django.utils import timezone

from settlement.books import check_books
from settlement.models import BankAccount, CommissionRate, LedgerEntry, ShopAccount

Kind = LedgerEntry.Kind
D = Decimal


def entries(vendor, **filters) -> list[tuple[str, Decimal]]:
    """The shop's entries, oldest first, as (kind, amount)."""
    return list(
        LedgerEntry.objects.filter(vendor=vendor, **filters)
        .order_by("id")
        .values_list("kind", "amount")
    )


def rows() -> dict[int, tuple]:
    """Every entry's money as it stands: id -> (kind, amount, available_at, booked_at)."""
    return {
        pk: rest
        for pk, *rest in LedgerEntry.objects.values_list(
            "id", "kind", "amount", "available_at", "booked_at"
        )
    }


def assert_only_added(before: dict[int, tuple]) -> dict[int, tuple]:
    """No entry of `before` was changed or deleted; returns those added since."""
    now = rows()
    assert {pk: now.get(pk) for pk in before} == before
    return {pk: row for pk, row in now.items() if pk not in before}


def balanced():
    """The books check passes (the report is the assertion's message)."""
    report = check_books()
    assert report.balanced, report
    assert account_of_each_shop_is_its_entries()
    return report


def account_of_each_shop_is_its_entries() -> bool:
    for account in ShopAccount.objects.all():
        total = sum(
            LedgerEntry.objects.filter(vendor_id=account.vendor_id).values_list(
                "amount", flat=True
            ),
            D("0"),
        )
        assert account.balance == total, (account.vendor_id, account.balance, total)
    return True


def rate(value: str, *, at=None, category=None, vendor=None) -> CommissionRate:
    scope = "vendor" if vendor else "category" if category else "default"
    return CommissionRate.objects.create(
        scope=scope,
        category=category,
        vendor=vendor,
        rate=D(value),
        effective_from=at or timezone.now(),
    )


def bank_account(vendor) -> BankAccount:
    return BankAccount.objects.create(
        vendor=vendor,
        payee=f"{vendor.name} 合作社",
        bank="中国农业银行",
        account_number="6228480012345678",
    )

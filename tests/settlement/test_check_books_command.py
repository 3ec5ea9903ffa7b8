"""`manage.py check_books`: the report and exit status 0 on a clean ledger; a planted
error (a running balance changed by hand, an entry written around booking.post) is
listed and exits 1; `--quiet` prints nothing."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from settlement.models import LedgerEntry, ShopAccount
from settlement.services import booking
from tests.aftersales.helpers import crayfish, placed, received
from tests.settlement.admin_helpers import shop

pytestmark = pytest.mark.django_db
Kind = LedgerEntry.Kind


def check(*args):
    """(exit status, output) of the command."""
    out = StringIO()
    try:
        call_command("check_books", *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue()
    return 0, out.getvalue()


def test_a_clean_ledger_balances_and_exits_0():
    vendor = shop("120.00", "30.00", bank=False)
    booking.adjust(vendor.pk, Decimal("-20.00"), note="Fine", by=None)
    received(placed((crayfish("88.00"), 1)))  # cash on delivery, no rate: nothing owed

    status, output = check()

    assert status == 0
    lines = output.splitlines()
    assert lines[0] == "The books balance."
    assert lines[1] == "Checked 1 shop accounts and 3 entries."
    assert "  difference                  0.00" in lines
    assert "differs" not in output and "does not add up" not in output


def test_a_running_balance_changed_by_hand_is_listed_and_exits_1():
    vendor = shop("120.00", bank=False, name="秭归脐橙社")
    ShopAccount.objects.filter(vendor=vendor).update(balance=Decimal("1120.00"))

    status, output = check()

    assert status == 1
    assert output.splitlines()[0] == "The books do not balance."
    assert (
        f"  秭归脐橙社 (#{vendor.pk}): running 1120.00, entries 120.00, difference 1000.00"
        in output.splitlines()
    )


def test_an_entry_written_around_post_is_listed_with_its_order():
    order = received(placed((crayfish("88.00"), 2)))
    part = order.parts.get()
    shop("50.00", bank=False)
    LedgerEntry.objects.bulk_create(
        [LedgerEntry(vendor_id=part.vendor_id, kind=Kind.SALE, amount=Decimal("5.00"), part=part)]
    )

    status, output = check()

    assert status == 1
    lines = output.splitlines()
    assert (
        f"  {part.vendor.name} (#{part.vendor_id}): running 0.00, entries 5.00, difference -5.00"
        in lines
    )
    assert "  difference                 -5.00" in lines
    assert "Orders whose money does not add up:" in lines
    assert (
        f"  {order.number}: received 0.00, shop credits 5.00, commission 0.00, refunds 0.00, "
        "owed to shoppers 0.00, difference -5.00"
    ) in lines


def test_quiet_prints_nothing_and_keeps_the_status():
    vendor = shop("10.00", bank=False)
    assert check("--quiet") == (0, "")
    ShopAccount.objects.filter(vendor=vendor).update(balance=Decimal("0"))
    assert check("--quiet") == (1, "")

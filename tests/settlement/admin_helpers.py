"""Shops with money, staff with settlement permissions, for the admin and command tests."""

from decimal import Decimal

from django.contrib.auth.models import Permission
from django.test import Client

from settlement.models import LedgerEntry
from settlement.services import booking
from settlement.services.bank import save_bank_account
from tests.aftersales.helpers import owner_of
from tests.factories import UserFactory, VendorFactory

Kind = LedgerEntry.Kind


def staff_client(*codenames: str) -> tuple[Client, object]:
    """(client, user): a staff member (not a superuser) with the settlement `codenames`."""
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="settlement", codename__in=codenames)
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client, user


def shop(available="0", waiting="0", *, bank=True, name=None):
    """A shop with `available` CNY available now (an adjustment) and `waiting` CNY
    waiting for receipt (a sale entry), through booking.post; and a bank account."""
    vendor = VendorFactory(**({"name": name} if name else {}))
    if Decimal(available):
        booking.adjust(vendor.pk, Decimal(available), note="Opening balance", by=None)
    if Decimal(waiting):
        booking.post([LedgerEntry(vendor_id=vendor.pk, kind=Kind.SALE, amount=Decimal(waiting))])
    if bank:
        save_bank_account(
            vendor,
            payee=f"{vendor.name}",
            bank="中国农业银行",
            branch="秭归支行",
            account_number=f"62284800{vendor.pk:08d}",
            by=owner_of(vendor),
            ip_address="10.0.0.1",
        )
    return vendor

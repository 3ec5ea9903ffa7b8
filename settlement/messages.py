"""What settlement tells a shop: a payout paid or returned by the bank (every member),
and its bank account changed (the owners)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from catalog.models import VendorMember
from notifications import kinds
from notifications.models import Notification
from notifications.services import notify
from settlement.models import BankAccountChange, Payout

# Kind names fit Notification.kind (20 characters).
PAYOUT = "settlement_payout"
BANK_ACCOUNT = "settlement_bank"


def register_kinds() -> None:
    """Called from SettlementConfig.ready()."""
    kinds.register(
        PAYOUT,
        _("payout paid or returned, to the shop"),
        templates=f"settlement/messages/{PAYOUT}",
        link_label=_("See your funds"),
    )
    kinds.register(
        BANK_ACCOUNT,
        _("bank account changed, to the shop's owners"),
        templates=f"settlement/messages/{BANK_ACCOUNT}",
        link_label=_("See your funds"),
    )


def funds_link() -> str:
    return reverse("vendor:funds")


def notify_payout(payout: Payout) -> list[Notification]:
    """Every member of the shop hears that its payout was paid (the bank's reference)
    or returned (why, and that the money is back in the balance)."""
    members = VendorMember.objects.filter(vendor_id=payout.vendor_id).values_list(
        "user_id", flat=True
    )
    return notify(
        members,
        PAYOUT,
        key=f"payout:{payout.pk}:{payout.state}",
        context={
            "number": payout.number,
            "amount": str(payout.amount),
            "state": payout.state,
            "bank": payout.bank,
            "account_tail": payout.account_number[-4:],
            "bank_reference": payout.bank_reference,
            "failure_reason": payout.failure_reason,
        },
        link=funds_link(),
    )


def notify_bank_account_changed(change: BankAccountChange) -> list[Notification]:
    """The owners hear that the account payouts go to changed, to what (its last four
    digits), by whom and when: a change they did not make is theirs to report."""
    owners = VendorMember.objects.filter(
        vendor_id=change.vendor_id, role=VendorMember.Role.OWNER
    ).values_list("user_id", flat=True)
    return notify(
        owners,
        BANK_ACCOUNT,
        key=f"bank_account:{change.pk}",
        context={
            "bank": change.after.get("bank", ""),
            "account_tail": change.after.get("account_number", "")[-4:],
            "payee": change.after.get("payee", ""),
            "by": change.by.get_username() if change.by else "",
            "at": change.at.isoformat(),
            "first": change.before is None,
        },
        link=funds_link(),
    )

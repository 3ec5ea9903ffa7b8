"""Payment methods. Checkout asks the method what happens when an order is placed; a new
method (an online gateway) is one more class here and one more choice in Order."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from orders.models import Order


@dataclass(frozen=True)
class BankAccount:
    """Where a shopper sends a bank transfer, and the reference that tells whose it is."""

    payee: str
    bank: str
    account: str  # digits only, as it is copied
    reference: str  # the order number

    @property
    def account_grouped(self):
        """The account number in groups of four digits, as a bank card prints it."""
        return " ".join(self.account[i : i + 4] for i in range(0, len(self.account), 4))


class PaymentMethod:
    code = None
    label = None
    # Is the order ready to ship as soon as it is placed?
    confirmed_when_placed = False

    def transfer_details(self, order):
        """The account to pay `order` into, while the shopper must still send the money;
        None for methods with nothing to send."""
        return None


class CashOnDelivery(PaymentMethod):
    code = Order.PaymentMethod.CASH_ON_DELIVERY
    label = _("Cash on delivery")
    confirmed_when_placed = True  # the courier collects; vendors can ship at once


class BankTransfer(PaymentMethod):
    code = Order.PaymentMethod.BANK_TRANSFER
    label = _("Bank transfer")
    confirmed_when_placed = False  # staff confirm when the money has arrived

    def transfer_details(self, order):
        if order.status != Order.Status.PLACED:  # confirmed (paid) or cancelled
            return None
        return BankAccount(
            payee=settings.BANK_TRANSFER_PAYEE,
            bank=settings.BANK_TRANSFER_BANK,
            account="".join(settings.BANK_TRANSFER_ACCOUNT.split()),
            reference=order.number,
        )


METHODS = {method.code: method() for method in (CashOnDelivery, BankTransfer)}


def method_for(code):
    return METHODS[code]

"""Payment methods. Checkout asks the method what happens when an order is placed; a new
method (an online gateway) is one more class here and one more choice in Order."""

from django.utils.translation import gettext_lazy as _

from orders.models import Order


class PaymentMethod:
    code = None
    label = None
    # Is the order ready to ship as soon as it is placed?
    confirmed_when_placed = False


class CashOnDelivery(PaymentMethod):
    code = Order.PaymentMethod.CASH_ON_DELIVERY
    label = _("Cash on delivery")
    confirmed_when_placed = True  # the courier collects; vendors can ship at once


class BankTransfer(PaymentMethod):
    code = Order.PaymentMethod.BANK_TRANSFER
    label = _("Bank transfer")
    confirmed_when_placed = False  # staff confirm when the money has arrived


METHODS = {method.code: method() for method in (CashOnDelivery, BankTransfer)}


def method_for(code):
    return METHODS[code]

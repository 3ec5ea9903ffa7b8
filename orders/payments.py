"""Payment methods. Checkout asks the method what happens when an order is placed, the
order page what to show while it is unpaid, and cancelling what to give back. Cash on
delivery and bank transfer live here; the online gateways (Alipay, WeChat Pay) are
methods the payments app registers from its AppConfig.ready() (`register`), since
orders sit below payments and never import them."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from orders.models import Order, OrderPart


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
    # Paid through a gateway (the order page offers "去支付" while it is unpaid).
    online = False
    # Do the shopper and the shops hear of the order when it is placed? An online order
    # is announced when it is paid (the shops have nothing to do before).
    announced_when_placed = True
    # Does the platform receive the money (and pay each shop its share: settlement)? Cash
    # on delivery is collected by the shop's courier: the shop owes the commission.
    collected_by_platform = True

    def available(self) -> bool:
        """Offered at checkout (an online gateway only when it is configured)."""
        return True

    def transfer_details(self, order):
        """The account to pay `order` into, while the shopper must still send the money;
        None for methods with nothing to send."""
        return None

    def pay_deadline(self, order: Order) -> datetime | None:
        """When the unpaid `order` closes; None when it never waits for a payment."""
        return None

    def pay_url(self, order: Order) -> str | None:
        """Where the shopper pays the unpaid `order` online (the "去支付" button)."""
        return None

    def payment_facts(self, order: Order):
        """What the order page shows of how it was paid and refunded (an online method's:
        the payment that paid it, its refunds); None for methods with nothing to show."""
        return None

    def parts_cancelled(self, order: Order, parts: list[OrderPart], *, by) -> None:
        """Called inside the transaction that cancels `parts` of `order` (the whole order,
        or one shop's part): a paid online order gives their money back."""


class CashOnDelivery(PaymentMethod):
    code = Order.PaymentMethod.CASH_ON_DELIVERY
    label = _("Cash on delivery")
    confirmed_when_placed = True  # the courier collects; vendors can ship at once
    collected_by_platform = False


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

    def pay_deadline(self, order):
        if order.status != Order.Status.PLACED:
            return None
        return order.created_at + timedelta(hours=settings.BANK_TRANSFER_TIMEOUT_HOURS)


METHODS: dict[str, PaymentMethod] = {
    method.code: method() for method in (CashOnDelivery, BankTransfer)
}


def register(method: PaymentMethod) -> None:
    """Add (or replace, as ready() may run twice) an online method; its code must be one
    of Order.PaymentMethod."""
    if method.code not in Order.PaymentMethod.values:
        raise ValueError(f"{method.code!r} is not one of Order.PaymentMethod")
    METHODS[method.code] = method


def method_for(code: str) -> PaymentMethod:
    return METHODS[code]


def checkout_choices() -> list[tuple[str, str]]:
    """The methods offered at checkout, online ones first (as Taobao and JD put them)."""
    methods = [m for m in METHODS.values() if m.available()]
    methods.sort(key=lambda m: (not m.online, list(Order.PaymentMethod.values).index(m.code)))
    return [(m.code, m.label) for m in methods]

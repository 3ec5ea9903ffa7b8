"""The checks that prove the books balance (DESIGN.md invariant 10), for the management
command `check_books`, the nightly task and the admin's Books check page.

1. Every shop's running balance (ShopAccount) equals the sum of its entries.
2. Per order, and so over all shops: the money the platform received (captured online
   payments; bank transfers, as the parts they paid) equals what the shops were credited
   for it, plus the platform's commission, plus the refunds sent through the gateways,
   plus the refunds owed to shoppers (taken from a shop, to be paid by staff).
3. Every paid part has its sale entry; every received part its release (paid to the
   platform) or its commission (cash on delivery).

A fixed number of queries, whatever the number of shops, orders and entries."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery

from catalog.models import Vendor
from orders.models import Order, OrderEvent, OrderLine, OrderPart
from orders.payments import method_for
from payments.models import Payment, Refund
from settlement.models import LedgerEntry, ShopAccount
from settlement.money import ZERO, Total

Kind = LedgerEntry.Kind
HALF_A_FEN = Decimal("0.005")
CAPTURED_STATES = (Payment.State.PAID, Payment.State.REFUNDED_IN_PART, Payment.State.REFUNDED)
# The kinds that carry order money (payouts and adjustments move a shop's own money).
ORDER_KINDS = (
    Kind.SALE,
    Kind.SHIPPING,
    Kind.COMMISSION,
    Kind.COMMISSION_BACK,
    Kind.COD_COMMISSION,
    Kind.REFUND,
    Kind.RELEASED_FROM,
    Kind.RELEASED,
)
COMMISSION_KINDS = (Kind.COMMISSION, Kind.COMMISSION_BACK, Kind.COD_COMMISSION)
REFUND_SENT_STATES = (Refund.State.PENDING, Refund.State.SUCCEEDED)


@dataclass
class ShopDifference:
    vendor_id: int
    vendor_name: str
    running_balance: Decimal
    sum_of_entries: Decimal

    @property
    def difference(self) -> Decimal:
        return self.running_balance - self.sum_of_entries


@dataclass
class MoneyFlow:
    """The platform's money for one order (or all of them)."""

    received: Decimal = ZERO
    shop_credits: Decimal = ZERO
    commission: Decimal = ZERO
    refunds: Decimal = ZERO
    owed_to_shoppers: Decimal = ZERO

    @property
    def accounted(self) -> Decimal:
        return self.shop_credits + self.commission + self.refunds + self.owed_to_shoppers

    @property
    def difference(self) -> Decimal:
        return self.received - self.accounted


@dataclass
class MissingEntry:
    order_number: str
    part_id: int
    vendor_name: str
    missing: str  # a LedgerEntry.Kind value


@dataclass
class BooksReport:
    shops: list[ShopDifference] = field(default_factory=list)
    total: MoneyFlow = field(default_factory=MoneyFlow)
    orders: dict[str, MoneyFlow] = field(default_factory=dict)  # only those that differ
    missing: list[MissingEntry] = field(default_factory=list)
    shop_count: int = 0
    entry_count: int = 0

    @property
    def balanced(self) -> bool:
        return not (self.shops or self.orders or self.missing or self.total.difference)


def platform_methods() -> list[str]:
    return [c for c in Order.PaymentMethod.values if method_for(c).collected_by_platform]


def bank_methods() -> list[str]:
    return [c for c in platform_methods() if not method_for(c).online]


def paid_parts():
    """Parts whose money reached the platform: of an order paid online or by bank
    transfer that was confirmed, and not cancelled before it was."""
    confirmed_at = OrderEvent.objects.filter(
        order=OuterRef("order"), part__isnull=True, to_status=Order.Status.CONFIRMED
    ).values("at")[:1]
    return (
        OrderPart.objects.filter(order__payment_method__in=platform_methods())
        .annotate(confirmed_at=Subquery(confirmed_at))
        .filter(confirmed_at__isnull=False)
        .exclude(
            Exists(
                OrderEvent.objects.filter(
                    part=OuterRef("pk"),
                    to_status=OrderPart.Status.CANCELLED,
                    at__lte=OuterRef("confirmed_at"),
                )
            )
        )
    )


def _shop_differences(report: BooksReport) -> None:
    sums = dict(
        LedgerEntry.objects.values("vendor_id")
        .annotate(total=Total("amount"))
        .values_list("vendor_id", "total")
    )
    report.entry_count = LedgerEntry.objects.count()
    seen = set()
    for account in ShopAccount.objects.select_related("vendor").only(
        "vendor_id", "balance", "vendor__name"
    ):
        seen.add(account.vendor_id)
        total = sums.get(account.vendor_id, ZERO)
        if account.balance != total:
            report.shops.append(
                ShopDifference(account.vendor_id, account.vendor.name, account.balance, total)
            )
    report.shop_count = len(seen)
    unaccounted = sorted(set(sums) - seen)  # entries with no running balance at all
    names = dict(Vendor.objects.filter(pk__in=unaccounted).values_list("pk", "name"))
    for vendor_id in unaccounted:
        report.shops.append(
            ShopDifference(vendor_id, names.get(vendor_id, str(vendor_id)), ZERO, sums[vendor_id])
        )


def _money_flows(report: BooksReport) -> None:
    flows: dict[int, MoneyFlow] = defaultdict(MoneyFlow)
    for order_id, amount in (
        Payment.objects.filter(state__in=CAPTURED_STATES)
        .values("order_id")
        .annotate(total=Total("amount"))
        .values_list("order_id", "total")
    ):
        flows[order_id].received += amount
    for order_id, amount in (
        paid_parts()
        .filter(order__payment_method__in=bank_methods())
        .values("order_id")
        .annotate(total=Total(F("subtotal") + F("shipping_fee")))
        .values_list("order_id", "total")
    ):
        flows[order_id].received += amount
    for order_id, credits, commission, owed in (
        LedgerEntry.objects.filter(kind__in=ORDER_KINDS, part__isnull=False)
        .values("part__order_id")
        .annotate(
            credits=Total("amount"),
            commission=Total("amount", filter=Q(kind__in=COMMISSION_KINDS)),
            owed=Total(
                "amount",
                filter=Q(kind=Kind.REFUND)
                & (Q(refund__isnull=True) | Q(refund__state=Refund.State.FAILED)),
            ),
        )
        .values_list("part__order_id", "credits", "commission", "owed")
    ):
        flow = flows[order_id]
        flow.shop_credits += credits
        flow.commission -= commission or ZERO
        flow.owed_to_shoppers -= owed or ZERO
    for order_id, amount in (
        Refund.objects.filter(state__in=REFUND_SENT_STATES)
        .values("payment__order_id")
        .annotate(total=Total("amount"))
        .values_list("payment__order_id", "total")
    ):
        flows[order_id].refunds += amount
    total = MoneyFlow()
    differing = {}
    for order_id, flow in flows.items():
        for name in ("received", "shop_credits", "commission", "refunds", "owed_to_shoppers"):
            setattr(total, name, getattr(total, name) + getattr(flow, name))
        if flow.difference:
            differing[order_id] = flow
    report.total = total
    numbers = dict(Order.objects.filter(pk__in=differing).values_list("pk", "number"))
    report.orders = {numbers.get(pk, str(pk)): flow for pk, flow in sorted(differing.items())}


def _missing_entries(report: BooksReport) -> None:
    def has(kind):
        return Exists(
            LedgerEntry.objects.filter(part=OuterRef("pk"), kind=kind, reverses__isnull=True)
        )

    columns = ("pk", "order__number", "vendor__name")
    for part_id, number, vendor in paid_parts().filter(~has(Kind.SALE)).values_list(*columns):
        report.missing.append(MissingEntry(number, part_id, vendor, Kind.SALE))
    received = OrderPart.objects.filter(status=OrderPart.Status.DELIVERED)
    for part_id, number, vendor in (
        received.filter(order__payment_method__in=platform_methods())
        .filter(has(Kind.SALE), ~has(Kind.RELEASED))
        .annotate(
            waiting=Total(
                "ledger_entries__amount", filter=Q(ledger_entries__available_at__isnull=True)
            )
        )
        .filter(waiting__gt=0)
        .values_list(*columns)
    ):
        report.missing.append(MissingEntry(number, part_id, vendor, Kind.RELEASED))
    # A line kept whose commission comes to a fen at least (half a fen rounds up, as
    # rates.commission_on does): one that rounds to nothing books no entry.
    charged = OrderLine.objects.alias(
        kept_commission=ExpressionWrapper(
            (F("line_total") - F("refunded_amount")) * F("commission_rate"),
            output_field=DecimalField(max_digits=20, decimal_places=6),
        )
    ).filter(part=OuterRef("pk"), kept_commission__gte=HALF_A_FEN)
    for part_id, number, vendor in (
        received.exclude(order__payment_method__in=platform_methods())
        .filter(Exists(charged), ~has(Kind.COD_COMMISSION))
        .values_list(*columns)
    ):
        report.missing.append(MissingEntry(number, part_id, vendor, Kind.COD_COMMISSION))


def check_books() -> BooksReport:
    """Every check above, with each difference found."""
    report = BooksReport()
    _shop_differences(report)
    _money_flows(report)
    _missing_entries(report)
    return report

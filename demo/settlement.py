"""Settlement in the demo: commission rates, the demo orders booked into the shops'
ledgers, bank accounts for most shops, a payout run and an adjustment, so the shops'
"资金" pages and the admin's payouts and books check have something to show.

- Rates: a 5% default and 3% on the fresh categories from a month before the demo's
  orders, 2% for the Zigui co-operative, and a 6% default scheduled for the first day of
  next month. The 2020 livestream's orders came before any rate: their lines keep none.
- The demo's orders are written in bulk (demo/orders.py), not through checkout, so their
  lines are given here the rate in force when each order was placed (what checkout's
  hook would have kept), and then booked by `settlement.services.backfill.book_existing`,
  as `manage.py settle_existing` books a store upgraded to settlement. The entries are
  then dated as their history says (the payment at its confirmation, a receipt at its
  delivery, available SETTLEMENT_DELAY_DAYS after it), as demo/orders.py dates the
  orders: the statements of past weeks show them, and money received over a week ago
  is available.
- Bank accounts (中国农业银行, 湖北农信, 中国邮政储蓄银行, …) for every shop but a few,
  among them the one with the most money available: a payout run leaves it out.
- One payout run, paying the next two shops by money available: one paid, the other
  failed (the money back in the shop's balance). One adjustment, with its reason.

Idempotent: rates only when there are none; lines and entries only for demo orders not
booked yet; the accounts when no shop has one; the run and the adjustment once.
"""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, Max, OuterRef, Subquery
from django.utils import timezone

from catalog.models import Category, Vendor, VendorMember
from catalog.reference.hubei import FRESH_CATEGORIES
from demo.catalog import DEMO_VENDOR_SLUG, STAFF_USERNAME
from demo.orders import DEMO_DAYS, SHOPPER_PREFIX
from orders.models import Order, OrderEvent, OrderLine, OrderPart
from settlement.models import (
    BankAccount,
    BankAccountChange,
    CommissionRate,
    LedgerEntry,
    PayoutRun,
)
from settlement.selectors import available_by_vendor
from settlement.services import booking, payouts
from settlement.services.backfill import book_existing
from settlement.services.rates import RatesInForce

Kind = LedgerEntry.Kind
Scope = CommissionRate.Scope
DEFAULT_RATE = Decimal("0.0500")
FRESH_RATE = Decimal("0.0300")
COOPERATIVE_RATE = Decimal("0.0200")
NEXT_DEFAULT_RATE = Decimal("0.0600")
BANKS = [
    ("中国农业银行", "支行"),
    ("湖北农信", "农村商业银行"),
    ("中国邮政储蓄银行", "支行"),
    ("中国建设银行", "支行"),
    ("汉口银行", "支行"),
]
# Every this many-th shop (by slug) enters no bank account: a run leaves it out.
NO_ACCOUNT_EVERY = 6
PAID_REFERENCE = "ABC20260301093015"
FAILED_REASON = "户名与账号不符，银行退回"
ADJUSTMENT_AMOUNT = Decimal("30.00")
ADJUSTMENT_NOTE = "冷链车故障，平台承担的运费差价补偿"


@dataclass
class SettlementSummary:
    rates: int = 0
    lines: int = 0
    entries: int = 0
    accounts: int = 0
    payouts: int = 0
    adjustments: int = 0


def seed_settlement() -> SettlementSummary:
    """Everything above that is missing. Returns what was made."""
    summary = SettlementSummary()
    summary.rates = seed_rates()
    summary.lines = assign_demo_rates()
    summary.entries = book_demo_orders()
    summary.accounts = seed_bank_accounts()
    summary.payouts, summary.adjustments = seed_payout_run()
    return summary


def _midnight(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def seed_rates() -> int:
    """The demo's rates, when staff have set none. Returns how many were made."""
    if CommissionRate.objects.exists():
        return 0
    today = timezone.localdate()
    since = _midnight(today - timedelta(days=DEMO_DAYS + 30))
    next_month = _midnight((today.replace(day=1) + timedelta(days=32)).replace(day=1))
    rates = [
        CommissionRate(
            scope=Scope.DEFAULT, rate=DEFAULT_RATE, effective_from=since, note="平台默认佣金"
        ),
        CommissionRate(
            scope=Scope.DEFAULT,
            rate=NEXT_DEFAULT_RATE,
            effective_from=next_month,
            note="下月起的默认佣金（已排期）",
        ),
    ]
    rates += [
        CommissionRate(
            scope=Scope.CATEGORY,
            category=category,
            rate=FRESH_RATE,
            effective_from=since,
            note="生鲜类目优惠",
        )
        for category in Category.objects.filter(slug__in=FRESH_CATEGORIES).order_by("pk")
    ]
    cooperative = Vendor.objects.filter(slug=DEMO_VENDOR_SLUG).first()
    if cooperative is not None:
        rates.append(
            CommissionRate(
                scope=Scope.VENDOR,
                vendor=cooperative,
                rate=COOPERATIVE_RATE,
                effective_from=since,
                note="脱贫县合作社扶持费率",
            )
        )
    CommissionRate.objects.bulk_create(rates)
    return len(rates)


def _unbooked_demo_lines():
    return OrderLine.objects.filter(
        part__order__shopper__username__startswith=SHOPPER_PREFIX,
        commission_rate__isnull=True,
        part__ledger_entries__isnull=True,
    )


def assign_demo_rates() -> int:
    """The rate in force when each unbooked demo order was placed, on its lines (what
    checkout's hook keeps); lines sold before any rate keep none. Returns how many got
    one. The rates in force change only at their effective moments: one reading of
    them per moment."""
    moments = sorted(set(CommissionRate.objects.values_list("effective_from", flat=True)))
    in_force: dict[datetime, RatesInForce] = {}
    changed = []
    lines = (
        _unbooked_demo_lines()
        .select_related("part__order")
        .only("category_id", "part__vendor_id", "part__order__created_at")
    )
    for line in lines:
        index = bisect_right(moments, line.part.order.created_at)
        if not index:
            continue  # sold before settlement: no commission
        moment = moments[index - 1]
        if moment not in in_force:
            in_force[moment] = RatesInForce(at=moment)
        line.commission_rate = in_force[moment].rate_for(line.part.vendor_id, line.category_id)
        if line.commission_rate is not None:
            changed.append(line)
    OrderLine.objects.bulk_update(changed, ["commission_rate"], batch_size=1000)
    return len(changed)


def book_demo_orders() -> int:
    """The demo's orders booked (book_existing), their new entries dated as their history
    says. Returns how many entries were written."""
    mark = LedgerEntry.objects.aggregate(last=Max("pk"))["last"] or 0
    written = book_existing()
    new = LedgerEntry.objects.filter(
        pk__gt=mark, part__order__shopper__username__startswith=SHOPPER_PREFIX
    )
    cancelled_at = OrderEvent.objects.filter(
        part_id=OuterRef("part_id"), to_status=OrderPart.Status.CANCELLED
    ).values("at")[:1]
    parts = OrderPart.objects.filter(pk=OuterRef("part_id"))
    delivered_at = parts.values("delivered_at")[:1]
    confirmed_at = parts.annotate(
        at=Subquery(
            OrderEvent.objects.filter(
                order_id=OuterRef("order_id"),
                part__isnull=True,
                to_status=Order.Status.CONFIRMED,
            ).values("at")[:1]
        )
    ).values("at")[:1]
    available_at = parts.annotate(
        at=ExpressionWrapper(F("delivered_at") + booking.delay(), output_field=DateTimeField())
    ).values("at")[:1]
    with transaction.atomic():
        new.filter(kind__in=[Kind.SALE, Kind.SHIPPING, Kind.COMMISSION]).update(
            booked_at=Subquery(confirmed_at)
        )
        new.filter(kind=Kind.RELEASED_FROM).update(booked_at=Subquery(delivered_at))
        new.filter(kind=Kind.RELEASED).update(
            booked_at=Subquery(delivered_at), available_at=Subquery(available_at)
        )
        new.filter(kind=Kind.COD_COMMISSION).update(
            booked_at=Subquery(delivered_at), available_at=Subquery(delivered_at)
        )
        new.filter(kind__in=[Kind.REFUND, Kind.COMMISSION_BACK], refund__isnull=True).update(
            booked_at=Subquery(cancelled_at)
        )
    return written


def _owners() -> dict[int, object]:
    owners = {}
    for member in (
        VendorMember.objects.filter(role=VendorMember.Role.OWNER)
        .select_related("user")
        .order_by("pk")
    ):
        owners.setdefault(member.vendor_id, member.user)
    return owners


def _richest() -> list[int]:
    """Shop ids by money available now, the most first."""
    available = available_by_vendor()
    return sorted(
        (v for v, amount in available.items() if amount > 0), key=lambda v: (-available[v], v)
    )


def seed_bank_accounts() -> int:
    """An account, entered by its owner, for every shop but every NO_ACCOUNT_EVERY-th and
    the one with the most money available (kept out of the demo's run), each with its
    change recorded (written as history: the owners are not told). Returns how many
    were made."""
    if BankAccount.objects.exists() or PayoutRun.objects.exists():
        return 0
    richest = _richest()
    keep_out = {richest[0]} if len(richest) >= 3 else set()
    paid_next = set(richest[1:3])
    owners = _owners()
    accounts, changes = [], []
    vendors = Vendor.objects.select_related("county").order_by("slug")
    for position, vendor in enumerate(vendors):
        owner = owners.get(vendor.pk)
        if owner is None or vendor.pk in keep_out:
            continue
        if position % NO_ACCOUNT_EVERY == NO_ACCOUNT_EVERY - 1 and vendor.pk not in paid_next:
            continue
        bank, suffix = BANKS[position % len(BANKS)]
        county = vendor.county.name_zh if vendor.county_id else "武汉"
        values = {
            "payee": vendor.name,
            "bank": bank,
            "branch": f"{county}{suffix}",
            "account_number": _account_number(vendor.pk, 16 + position % 4),
        }
        accounts.append(BankAccount(vendor=vendor, updated_by=owner, **values))
        changes.append(BankAccountChange(vendor=vendor, before=None, after=values, by=owner))
    with transaction.atomic():
        BankAccount.objects.bulk_create(accounts)
        BankAccountChange.objects.bulk_create(changes)
    return len(accounts)


def _account_number(seed: int, digits: int) -> str:
    """A made-up card number of `digits` digits (16 to 19, as Chinese bank cards have),
    beginning 62 as UnionPay's do."""
    body = f"{(seed * 7919 + 1_000_003) ** 3}"
    return "62" + body[: digits - 2].rjust(digits - 2, "7")


def seed_payout_run() -> tuple[int, int]:
    """The run paying the second and third shops by money available (the first has no
    account: left out), one paid, one failed; and the adjustment. (payouts, adjustments)
    made."""
    if PayoutRun.objects.exists():
        return 0, 0
    staff = get_user_model().objects.filter(username=STAFF_USERNAME).first()
    richest = _richest()
    made = 0
    if len(richest) >= 3:
        available = available_by_vendor()
        minimum = available[richest[2]].quantize(Decimal("1"), ROUND_DOWN)
        run = payouts.create_run(max(minimum, Decimal("1")), by=staff)
        found = {p.vendor_id: p for p in run.payouts.all()}
        first, second = found.get(richest[1]), found.get(richest[2])
        if first is not None:
            payouts.mark_paid(first, bank_reference=PAID_REFERENCE, by=staff)
        if second is not None:
            payouts.mark_failed(second, reason=FAILED_REASON, by=staff)
        made = len(found)
    adjusted = 0
    shop = Vendor.objects.filter(slug=DEMO_VENDOR_SLUG).first()
    if shop is not None and not LedgerEntry.objects.filter(kind=Kind.ADJUSTMENT).exists():
        booking.adjust(shop.pk, ADJUSTMENT_AMOUNT, note=ADJUSTMENT_NOTE, by=staff)
        adjusted = 1
    return made, adjusted

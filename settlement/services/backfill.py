"""Book the orders that came before settlement (`manage.py settle_existing`, the demo):
what the hooks would have booked, through the same booking functions, which book a part
once (a run twice, or a run after the hooks, books nothing more).

In turn, each step over what the earlier ones booked:
1. every part whose money the platform received (books.paid_parts) and that has no sale
   entry: its sale and fee, less commission at its lines' rates, waiting for receipt;
2. the refunds asked of the gateways for those orders and not booked (paid after close
   or twice: none of the shops' money, nothing to book);
3. a paid bank transfer's parts cancelled since: taken back (staff send the money);
4. every received part not released (paid to the platform) or not charged its
   commission (cash on delivery).

Lines sold before settlement existed keep their null rate: no commission is charged on
them (none was agreed then). A release books the money available
SETTLEMENT_DELAY_DAYS from the run, as the booking function does for a receipt today.

Parts are taken `BATCH_SIZE` at a time, each batch in its own transaction: the command
can be stopped and run again. The paid parts of a batch are booked together (a fixed
number of queries, plus one balance UPDATE per shop in the batch); refunds, cancellations
and receipts are booked one at a time, as their booking functions take them."""

from collections import defaultdict
from collections.abc import Iterator

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum

from orders.models import OrderLine, OrderPart
from payments.models import Refund
from settlement.books import bank_methods, paid_parts, platform_methods
from settlement.models import LedgerEntry
from settlement.services import booking

Kind = LedgerEntry.Kind
BATCH_SIZE = 500
REFUND_BOOKED_STATES = (Refund.State.PENDING, Refund.State.SUCCEEDED)


def _has(kind: str, **extra: object) -> Exists:
    return Exists(
        LedgerEntry.objects.filter(part=OuterRef("pk"), kind=kind, reverses__isnull=True, **extra)
    )


def unbooked_paid_parts() -> QuerySet[OrderPart]:
    return paid_parts().filter(~_has(Kind.SALE))


def unbooked_refunds() -> QuerySet[Refund]:
    return (
        Refund.objects.filter(state__in=REFUND_BOOKED_STATES)
        .exclude(reason__in=booking.NOT_THE_SHOPS)
        .exclude(Exists(LedgerEntry.objects.filter(refund=OuterRef("pk"))))
        .filter(
            Exists(
                LedgerEntry.objects.filter(
                    part__order_id=OuterRef("payment__order_id"), kind=Kind.SALE
                )
            )
        )
    )


def untaken_cancelled_parts() -> QuerySet[OrderPart]:
    """Paid bank transfers' parts cancelled after the money came, not taken back."""
    return (
        OrderPart.objects.filter(
            status=OrderPart.Status.CANCELLED, order__payment_method__in=bank_methods()
        )
        .filter(_has(Kind.SALE))
        .filter(~_has(Kind.REFUND, refund__isnull=True, request__isnull=True))
    )


def unreleased_parts() -> QuerySet[OrderPart]:
    """Received, paid to the platform, booked, with money still waiting for receipt."""
    return (
        OrderPart.objects.filter(
            status=OrderPart.Status.DELIVERED, order__payment_method__in=platform_methods()
        )
        .filter(_has(Kind.SALE), ~_has(Kind.RELEASED))
        .annotate(
            waiting=Sum(
                "ledger_entries__amount", filter=Q(ledger_entries__available_at__isnull=True)
            )
        )
        .filter(waiting__gt=0)
    )


def uncharged_cod_parts() -> QuerySet[OrderPart]:
    """Received, cash on delivery, with goods kept at a rate, and no commission booked."""
    charged = OrderLine.objects.filter(
        part=OuterRef("pk"), commission_rate__gt=0, line_total__gt=F("refunded_amount")
    )
    return (
        OrderPart.objects.filter(status=OrderPart.Status.DELIVERED)
        .exclude(order__payment_method__in=platform_methods())
        .filter(Exists(charged), ~_has(Kind.COD_COMMISSION))
    )


def _batches(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _ids(queryset: QuerySet) -> list[int]:
    return list(queryset.order_by("pk").values_list("pk", flat=True).distinct())


def book_existing(progress: object | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Book what the hooks did not (the module docstring); returns how many entries were
    written. `progress` (a tqdm bar) is given its total and moved by each part or refund."""
    paid = _ids(unbooked_paid_parts())
    steps = [len(paid)]
    if progress is not None:
        progress.reset(total=len(paid))
    written = 0
    for ids in _batches(paid, batch_size):
        with transaction.atomic():
            parts = list(OrderPart.objects.filter(pk__in=ids).order_by("pk"))
            # book_parts_paid reads only the parts (the order is the hook's argument):
            # one call books the batch, whichever orders its parts are of.
            written += len(booking.book_parts_paid(None, parts))
        if progress is not None:
            progress.update(len(ids))
    # The later steps read what the first booked.
    refunds = _ids(unbooked_refunds())
    cancelled = _ids(untaken_cancelled_parts())
    received = sorted(set(_ids(unreleased_parts())) | set(_ids(uncharged_cod_parts())))
    steps += [len(refunds), len(cancelled), len(received)]
    if progress is not None:
        progress.reset(total=sum(steps))
        progress.update(steps[0])
    for ids in _batches(refunds, batch_size):
        with transaction.atomic():
            for refund in Refund.objects.filter(pk__in=ids).select_related("payment", "part"):
                written += len(booking.book_refund(refund))
        if progress is not None:
            progress.update(len(ids))
    for ids in _batches(cancelled, batch_size):
        with transaction.atomic():
            by_order = defaultdict(list)
            for part in OrderPart.objects.filter(pk__in=ids).select_related("order"):
                by_order[part.order_id].append(part)
            for parts in by_order.values():
                written += len(booking.book_parts_cancelled(parts[0].order, parts))
        if progress is not None:
            progress.update(len(ids))
    for ids in _batches(received, batch_size):
        with transaction.atomic():
            parts = list(OrderPart.objects.filter(pk__in=ids).select_related("order"))
            written += len(booking.book_parts_received(parts))
        if progress is not None:
            progress.update(len(ids))
    return written

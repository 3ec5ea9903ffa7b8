"""An order after checkout: staff confirm a payment, shoppers cancel, vendors ship or
cancel their part, and its receipt is confirmed (by the shopper or automatically:
orders/shipping/services/delivery.py). Each change is checked against its transitions
table."""

from collections import defaultdict
from datetime import timedelta
from types import SimpleNamespace

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from catalog.promotions import checkout as promotions
from core.db import lock_row, lock_rows
from core.transitions import TransitionTable
from orders import messages, money_hooks
from orders.impact import rollups as impact
from orders.locks import return_stock
from orders.models import Order, OrderEvent, OrderLine, OrderPart
from orders.payments import method_for
from orders.shipping.receipt_days import auto_confirm_days

ORDER_TRANSITION_REFUSED = _("An order that is %(current)s cannot be %(new)s.")
ORDER_TRANSITIONS = TransitionTable(
    Order.Status,
    {
        Order.Status.PLACED: {Order.Status.CONFIRMED, Order.Status.CANCELLED},
        Order.Status.CONFIRMED: {Order.Status.CANCELLED, Order.Status.COMPLETED},
        Order.Status.COMPLETED: set(),
        Order.Status.CANCELLED: set(),
    },
    refused=ORDER_TRANSITION_REFUSED,
    code="order_transition",
)
SHIPPED_CANNOT_CANCEL = _("Part of this order has shipped; it can no longer be cancelled.")
PART_TRANSITION_REFUSED = _("A part that is %(current)s cannot be %(new)s.")
NOT_CONFIRMED = _("This order is not confirmed yet; wait for the payment before shipping.")
TRACKING_REQUIRED = _("Enter the carrier and the tracking number.")
CANCEL_REASON_REQUIRED = _("Say why this part cannot be shipped; the shopper will read it.")
PART_TRANSITIONS = TransitionTable(
    OrderPart.Status,
    {
        OrderPart.Status.PENDING: {OrderPart.Status.SHIPPED, OrderPart.Status.CANCELLED},
        OrderPart.Status.SHIPPED: {OrderPart.Status.DELIVERED},
        OrderPart.Status.DELIVERED: set(),
        OrderPart.Status.CANCELLED: set(),
    },
    refused=PART_TRANSITION_REFUSED,
    code="part_transition",
)


def cancel_order(order: Order, *, by: AbstractBaseUser | None) -> Order:
    """Cancel before anything shipped: every part still open cancelled, its stock
    returned (a part its shop cancelled already gave its stock back); a paid online
    order is refunded (its payment method's `parts_cancelled`)."""
    with transaction.atomic():
        order, open_parts = _cancel_open_parts(order, by=by)
        messages.notify_order_cancelled(order, open_parts)
    return order


def close_unpaid_order(order: Order) -> Order | None:
    """The time to pay is over (PAYMENT_TIMEOUT_MINUTES online, BANK_TRANSFER_TIMEOUT_HOURS
    for a bank transfer): the order is closed as the system, its stock and promotion units
    go back, and the shopper is told (the shops too, when they heard of the order). Asked
    of an order that is not awaiting its payment any more (paid meanwhile): None, and
    nothing changes. Whoever calls it has made sure the gateway will not take the money."""
    with transaction.atomic():
        if lock_row(Order, order.pk).status != Order.Status.PLACED:
            return None
        with translation.override("en"):  # kept in English, shown in each reader's language
            note = str(NOT_PAID_IN_TIME)
        order, open_parts = _cancel_open_parts(order, by=None, note=note)
        announced = method_for(order.payment_method).announced_when_placed
        messages.notify_order_closed_unpaid(order, open_parts if announced else [])
    return order


NOT_PAID_IN_TIME = _("Not paid in time")


def _cancel_open_parts(
    order: Order, *, by: AbstractBaseUser | None, note: str = ""
) -> tuple[Order, list[OrderPart]]:
    """In the caller's transaction: the order locked and cancelled with its open parts,
    their stock and promotion units given back, the impact board and the payment method
    told. (order as locked, the parts it cancelled)."""
    # Lock the order: a vendor shipping a part at the same moment waits for this.
    order = lock_row(Order, order.pk)
    _check_transition(order, Order.Status.CANCELLED)
    parts = lock_rows(order.parts.all())
    if any(p.status not in (OrderPart.Status.PENDING, OrderPart.Status.CANCELLED) for p in parts):
        raise ValidationError(SHIPPED_CANNOT_CANCEL, code="already_shipped")
    open_parts = [p for p in parts if p.status == OrderPart.Status.PENDING]
    vendor_of = {part.pk: part.vendor_id for part in open_parts}
    lines = list(OrderLine.objects.filter(part__in=open_parts))
    counted = (
        [
            impact.counted_line(line, order.pk, vendor_of[line.part_id])
            for line in lines
            if impact.still_counted(line)
        ]
        if order.status in impact.COUNTED_ORDER_STATUSES
        else []
    )
    _give_back(lines, order.shopper_id)
    OrderEvent.objects.bulk_create(
        [
            OrderEvent(
                order=order,
                part=part,
                from_status=part.status,
                to_status=OrderPart.Status.CANCELLED,
                by=by,
            )
            for part in open_parts
        ]
    )
    OrderPart.objects.filter(pk__in=vendor_of).update(status=OrderPart.Status.CANCELLED)
    _set_status(order, Order.Status.CANCELLED, by, note=note)
    # The day's impact row before the money (a refund, the shop's ledger account), in
    # every change of an order, so two changes never wait on each other's locks.
    impact.record_change(order, counted, [])
    method_for(order.payment_method).parts_cancelled(order, open_parts, by=by)
    money_hooks.parts_cancelled(order, open_parts)
    return order, open_parts


def _give_back(lines: list[OrderLine], shopper_id: int) -> None:
    """The stock of cancelled lines back on sale (and off the units sold), and their
    flash-sale units and the shopper's promotion allowance back."""
    returned = defaultdict(int)
    for line in lines:
        # A line's units after-sales cancelled before shipment are back on sale already.
        if line.product_id and line.refundable_quantity:
            returned[line.product_id] += line.refundable_quantity
    return_stock(returned)
    # Likewise their promotion units (orders/services/refunds.py gave those back).
    promotions.return_promotion_units(
        [
            SimpleNamespace(promotion_id=line.promotion_id, quantity=line.refundable_quantity)
            for line in lines
            if line.refundable_quantity
        ],
        shopper_id,
    )


def _check_transition(order: Order, new_status: str) -> None:
    ORDER_TRANSITIONS.check(order.status, new_status)


def _set_status(order: Order, new_status: str, by: AbstractBaseUser | None, note: str = "") -> None:
    OrderEvent.objects.create(
        order=order, from_status=order.status, to_status=new_status, by=by, note=note
    )
    order.status = new_status
    order.save(update_fields=["status", "updated_at"])


def confirm_payment(order: Order, *, by: AbstractBaseUser | None, note: str = "") -> Order:
    """The money arrived (staff saw the bank transfer; a gateway confirmed an online
    payment): the order is confirmed, the shops can ship, and the impact board counts
    it. An online order is announced now, to the shopper and to each shop."""
    with transaction.atomic():
        order = lock_row(Order, order.pk)
        _check_transition(order, Order.Status.CONFIRMED)
        _set_status(order, Order.Status.CONFIRMED, by, note=note)
        method = method_for(order.payment_method)
        parts = list(order.parts.exclude(status=OrderPart.Status.CANCELLED))
        if not method.announced_when_placed:
            messages.notify_order_placed(order, parts)
        impact.record_change(order, [], impact.counted_lines(order))
        if method.collected_by_platform:  # after the day's row, as every change takes them
            money_hooks.parts_paid(order, parts)
    return order


def cancel_part(part: OrderPart, *, reason: str, by: AbstractBaseUser | None) -> OrderPart:
    """A shop cannot ship its part (sold out at the farm, a lost harvest): that part is
    cancelled with the reason, its stock and flash-sale units go back, and the shopper is
    told. The rest of the order stands; with no part left, the order is cancelled."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(CANCEL_REASON_REQUIRED, code="reason_required")
    with transaction.atomic():
        order, part = _lock_order_and_part(part)
        before = impact.counted_lines(order)
        _set_part_status(part, OrderPart.Status.CANCELLED, by, note=reason)
        part.save(update_fields=["status"])
        lines = list(part.lines.all())
        _give_back(lines, order.shopper_id)
        part.order = order
        # The day's impact row before the money, as cancel_order takes them (the part's
        # lines no longer count, whatever the order's status becomes below).
        impact.record_change(order, before, impact.counted_lines(order))
        # Before the order's own status: a paid part is refunded as the shop's part (its
        # reason and part on the refund), even when it was the order's last one.
        method_for(order.payment_method).parts_cancelled(order, [part], by=by)
        money_hooks.parts_cancelled(order, [part])
        left = order.parts.exclude(status=OrderPart.Status.CANCELLED)
        if not left.exists():
            _set_status(order, Order.Status.CANCELLED, by)
        elif not left.exclude(status=OrderPart.Status.DELIVERED).exists():
            _set_status(order, Order.Status.COMPLETED, by)
        messages.notify_part_cancelled(part, reason)
    return part


def ship_part(
    part: OrderPart, *, carrier: str, tracking_number: str, by: AbstractBaseUser | None
) -> OrderPart:
    """A vendor hands its part to a carrier; its receipt is confirmed for the shopper
    automatically some days later (auto_confirm_days of its lines)."""
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    if not carrier or not tracking_number:
        raise ValidationError(TRACKING_REQUIRED, code="tracking_required")
    with transaction.atomic():
        # Lock the order first, as cancel_order does, so the two never cross.
        order, part = _lock_order_and_part(part)
        if order.status != Order.Status.CONFIRMED:
            raise ValidationError(NOT_CONFIRMED, code="not_confirmed")
        _set_part_status(part, OrderPart.Status.SHIPPED, by)
        part.carrier, part.tracking_number, part.shipped_at = (
            carrier,
            tracking_number,
            timezone.now(),
        )
        days = auto_confirm_days(part.lines.all())
        part.auto_confirm_at = part.shipped_at + timedelta(days=days)
        part.save(
            update_fields=["status", "carrier", "tracking_number", "shipped_at", "auto_confirm_at"]
        )
        messages.notify_part_shipped(part)
    return part


def deliver_part(part: OrderPart, *, by: AbstractBaseUser | None, note: str = "") -> OrderPart:
    """Receipt of a shipped part confirmed (delivery.confirm_receipt, or automatically);
    when every part is done, so is the order."""
    with transaction.atomic():
        order, part = _lock_order_and_part(part)
        _set_part_status(part, OrderPart.Status.DELIVERED, by, note=note)
        part.delivered_at = timezone.now()
        part.save(update_fields=["status", "delivered_at"])
        money_hooks.part_received(order, part)
        open_parts = order.parts.exclude(
            status__in=[OrderPart.Status.DELIVERED, OrderPart.Status.CANCELLED]
        )
        if not open_parts.exists():
            _set_status(order, Order.Status.COMPLETED, by)
    return part


def _lock_order_and_part(part: OrderPart) -> tuple[Order, OrderPart]:
    """The part's order, then the part, read again and locked: the order first, as
    cancel_order locks it, so a shopper cancelling and a vendor shipping never cross."""
    return lock_row(Order, part.order_id), lock_row(OrderPart, part.pk)


def _set_part_status(
    part: OrderPart, new_status: str, by: AbstractBaseUser | None, note: str = ""
) -> None:
    PART_TRANSITIONS.check(part.status, new_status)
    OrderEvent.objects.create(
        order_id=part.order_id,
        part=part,
        from_status=part.status,
        to_status=new_status,
        by=by,
        note=note,
    )
    part.status = new_status

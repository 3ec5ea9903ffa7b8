"""The messages orders send: their kinds, who hears of a placed, shipped or cancelled
order, and what each message is rendered from at delivery.

Each is written through the outbox (notifications.services) inside the transaction of
the change. A message carries the ids of its order and part in its context, and the
kinds' loader brings them back, as they are then, for a whole batch of messages in three
queries (`load_orders`), so the text always tells of the order as it is.
"""

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from catalog.models import VendorMember
from notifications import kinds
from notifications.models import Notification
from notifications.services import message, queue
from orders.models import Order, OrderLine, OrderPart

ORDER_PLACED = "order_placed"
NEW_ORDER = "new_order"
PART_SHIPPED = "part_shipped"
PART_CANCELLED = "part_cancelled"
ORDER_CANCELLED = "order_cancelled"
ORDER_CLOSED_UNPAID = "order_closed_unpaid"
PART_RECEIVED = "part_received"
RECEIPT_REMINDER = "receipt_reminder"
SEE_THE_ORDER = _("See the order")
OPEN_IN_DASHBOARD = _("Open it in the vendor dashboard")


def register_kinds() -> None:
    """Called from OrdersConfig.ready()."""
    for name, label in (
        (ORDER_PLACED, _("order placed")),
        (NEW_ORDER, _("new order for a vendor")),
        (PART_SHIPPED, _("part shipped")),
        (PART_CANCELLED, _("part cancelled by its shop")),
        (ORDER_CANCELLED, _("order cancelled")),
        (ORDER_CLOSED_UNPAID, _("order closed, not paid in time")),
        (PART_RECEIVED, _("part received by the shopper")),
        (RECEIPT_REMINDER, _("receipt to be confirmed automatically")),
    ):
        kinds.register(
            name,
            label,
            templates=f"orders/messages/{name}",
            link_label=_link_label,
            load=load_orders,
        )


def _link_label(notification: Notification) -> str:
    """The shopper's messages open the order, a vendor's its part in the dashboard."""
    part_id = notification.context.get("part_id")
    if part_id is not None and notification.link == reverse("vendor:order", args=[part_id]):
        return OPEN_IN_DASHBOARD
    return SEE_THE_ORDER


def _order_link(order: Order) -> str:
    return reverse("orders:detail", args=[order.number])


def _vendor_link(order: Order, part: OrderPart, user_id: int) -> str:
    """The vendor's part in its dashboard (the order's own page, should the shopper be
    one of the shop's members)."""
    if user_id == order.shopper_id:
        return _order_link(order)
    return reverse("vendor:order", args=[part.pk])


def load_orders(notifications: list[Notification]) -> dict[int, dict]:
    """Each message's order with its parts, their vendors and lines, in three queries
    however many messages: the messages of one order share it, and a vendor's message
    gets its part from the order's, lines included. {message pk: {"order", "part",
    "parts"}}; a message whose order is gone gets nothing."""
    orders = Order.objects.prefetch_related(
        Prefetch(
            "parts",
            queryset=OrderPart.objects.select_related("vendor")
            .prefetch_related(
                Prefetch("lines", queryset=OrderLine.objects.select_related("promotion"))
            )
            .order_by("pk"),
        )
    ).in_bulk({n.context["order_id"] for n in notifications if n.context.get("order_id")})
    parts = {part.pk: part for order in orders.values() for part in order.parts.all()}
    loaded = {}
    for notification in notifications:
        order = orders.get(notification.context.get("order_id"))
        if order is None:
            continue
        loaded[notification.pk] = {
            "order": order,
            "part": parts.get(notification.context.get("part_id")),
            "parts": order.parts.all(),
        }
    return loaded


def _members_by_vendor(vendor_ids: set[int]) -> dict[int, list[int]]:
    members = {}
    for vendor_id, user_id in (
        VendorMember.objects.filter(vendor_id__in=vendor_ids)
        .order_by()
        .values_list("vendor_id", "user_id")
    ):
        members.setdefault(vendor_id, []).append(user_id)
    return members


def _for_shopper_and_vendors(
    order: Order, parts: list[OrderPart], shopper_kind: str, vendor_kind: str, key: str
) -> list[Notification]:
    members = _members_by_vendor({part.vendor_id for part in parts})
    messages = [
        message(
            order.shopper_id,
            shopper_kind,
            key=f"{key}:{order.pk}",
            context={"order_id": order.pk, "order_number": order.number},
            link=_order_link(order),
        )
    ]
    for part in parts:
        messages += [
            message(
                user_id,
                vendor_kind,
                key=f"{key}:{part.pk}:{user_id}",
                context={"order_id": order.pk, "order_number": order.number, "part_id": part.pk},
                link=_vendor_link(order, part, user_id),
            )
            for user_id in members.get(part.vendor_id, [])
        ]
    return queue(messages)


def notify_order_placed(order: Order, parts: list[OrderPart]) -> list[Notification]:
    """The shopper's confirmation and a new-order message to each vendor's members."""
    return _for_shopper_and_vendors(order, parts, ORDER_PLACED, NEW_ORDER, "placed")


def notify_part_shipped(part: OrderPart) -> list[Notification]:
    return _tell_shopper_about_part(part, PART_SHIPPED, key=f"shipped:{part.pk}")


def _tell_shopper_about_part(part: OrderPart, kind: str, *, key: str) -> list[Notification]:
    """One message of `kind` to the part's shopper, about that part, linking its order."""
    return queue(
        [
            message(
                part.order.shopper_id,
                kind,
                key=key,
                context={
                    "order_id": part.order_id,
                    "order_number": part.order.number,
                    "part_id": part.pk,
                },
                link=_order_link(part.order),
            )
        ]
    )


def notify_part_cancelled(part: OrderPart, reason: str) -> list[Notification]:
    """The shopper hears that one shop cannot ship its part, and why."""
    return queue(
        [
            message(
                part.order.shopper_id,
                PART_CANCELLED,
                key=f"part-cancelled:{part.pk}",
                context={
                    "order_id": part.order_id,
                    "order_number": part.order.number,
                    "part_id": part.pk,
                    "reason": reason,
                },
                link=_order_link(part.order),
            )
        ]
    )


def notify_order_cancelled(order: Order, parts: list[OrderPart]) -> list[Notification]:
    return _for_shopper_and_vendors(order, parts, ORDER_CANCELLED, ORDER_CANCELLED, "cancelled")


def notify_order_closed_unpaid(order: Order, parts: list[OrderPart]) -> list[Notification]:
    """The shopper hears the unpaid order was closed; the shops of `parts` too (those
    told of the order when it was placed: a bank transfer's)."""
    return _for_shopper_and_vendors(
        order, parts, ORDER_CLOSED_UNPAID, ORDER_CLOSED_UNPAID, "closed-unpaid"
    )


def notify_part_received(part: OrderPart, *, automatically: bool = False) -> list[Notification]:
    """The shop's members hear that receipt of their part is confirmed: by the shopper,
    or `automatically` (the days after shipment are over)."""
    order = part.order
    members = _members_by_vendor({part.vendor_id})
    return queue(
        message(
            user_id,
            PART_RECEIVED,
            key=f"received:{part.pk}:{user_id}",
            context={
                "order_id": order.pk,
                "order_number": order.number,
                "part_id": part.pk,
                "automatically": automatically,
            },
            link=_vendor_link(order, part, user_id),
        )
        for user_id in members.get(part.vendor_id, [])
    )


def notify_receipt_reminder(part: OrderPart) -> list[Notification]:
    """The shopper hears, a day before, when receipt of a part will be confirmed for
    them, and to contact the shop if it has not arrived."""
    return _tell_shopper_about_part(part, RECEIPT_REMINDER, key=f"receipt-reminder:{part.pk}")

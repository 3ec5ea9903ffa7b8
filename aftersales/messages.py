"""Who hears of each step of an after-sales request, through the outbox, in the step's
transaction: the shopper of the shop's answers and of the money, the shop's members of
a new request, a return on its way, an escalation and staff's decision.

Two kinds, one per side; each message carries its request's id and the step, and the
loader brings the requests back as they are at delivery (one query per batch)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.models import AfterSalesRequest, RequestEvent
from aftersales.states import State
from catalog.models import VendorMember
from notifications import kinds
from notifications.models import Notification
from notifications.services import message, queue

# A kind's name fits Notification.kind (20 characters); the templates keep the long names.
TO_SHOPPER = "aftersales_shopper"
TO_SHOP = "aftersales_shop"
Actor = AfterSalesRequest.Actor


def register_kinds() -> None:
    """Called from AftersalesConfig.ready()."""
    kinds.register(
        TO_SHOPPER,
        _("after-sales step, to the shopper"),
        templates="aftersales/messages/aftersales_to_shopper",
        link_label=_("See the request"),
        load=load_requests,
    )
    kinds.register(
        TO_SHOP,
        _("after-sales step, to the shop"),
        templates="aftersales/messages/aftersales_to_shop",
        link_label=_("Answer it in the vendor dashboard"),
        load=load_requests,
    )


def shopper_link(request: AfterSalesRequest) -> str:
    return reverse("aftersales:detail", args=[request.number])


def shop_link(request: AfterSalesRequest) -> str:
    return reverse("vendor:aftersales_detail", args=[request.number])


def _audiences(request: AfterSalesRequest, event: RequestEvent) -> tuple[bool, bool]:
    """(the shopper hears, the shop hears) of this step."""
    state, actor = event.to_state, event.actor
    if state == State.REQUESTED:
        return False, True
    if state in (State.OFFERED, State.REFUSED, State.AWAITING_RETURN):
        return True, False
    if state == State.RETURNING:
        return False, True
    if state == State.ESCALATED:
        return False, True
    if state == State.REFUNDED:
        # Both hear of the money (the shop of an approval it did not give itself).
        return True, actor != Actor.SHOP
    # closed: the other side hears (a withdrawal the shop, anything else the shopper;
    # a staff decision both).
    return actor != Actor.SHOPPER, actor in (Actor.SHOPPER, Actor.STAFF)


def notify_step(
    request: AfterSalesRequest, event: RequestEvent, *, shopper_only: bool = False
) -> list[Notification]:
    """The messages of one step, in its transaction (`shopper_only`: a word to the
    shopper alone, the gateway having refused their refund)."""
    shopper_hears, shop_hears = _audiences(request, event)
    shopper_hears, shop_hears = (True, False) if shopper_only else (shopper_hears, shop_hears)
    context = {
        "request_id": request.pk,
        "number": request.number,
        "step": event.to_state,
        "event_id": event.pk,
    }
    key = f"aftersales:{request.pk}:{event.pk}"
    messages = []
    if shopper_hears:
        messages.append(
            message(
                request.shopper_id,
                TO_SHOPPER,
                key=f"{key}:{request.shopper_id}",
                context={**context, "actor": event.actor},
                link=shopper_link(request),
            )
        )
    if shop_hears:
        members = VendorMember.objects.filter(vendor_id=request.vendor_id).values_list(
            "user_id", flat=True
        )
        messages += [
            message(
                user_id,
                TO_SHOP,
                key=f"{key}:{user_id}",
                context={**context, "actor": event.actor},
                link=shop_link(request),
            )
            for user_id in members
            if user_id != request.shopper_id
        ]
    return queue(messages)


def load_requests(notifications: list[Notification]) -> dict[int, dict]:
    """Each message's request as it is now, with its line, order, shop and last step,
    in two queries however many messages. {message pk: {"request", "event"}}."""
    requests = AfterSalesRequest.objects.select_related(
        "line", "order", "vendor", "refund"
    ).in_bulk({n.context["request_id"] for n in notifications if n.context.get("request_id")})
    steps, last_notes = {}, {}
    for pk, request_id, to_state, note, amount in (
        RequestEvent.objects.filter(request_id__in=requests)
        .order_by("request_id", "at", "pk")
        .values_list("pk", "request_id", "to_state", "note", "amount")
    ):
        steps[pk] = last_notes[(request_id, to_state)] = (note, amount)
    loaded = {}
    for notification in notifications:
        request = requests.get(notification.context.get("request_id"))
        if request is None:
            continue
        # The message's own step (messages written before event ids were kept: the
        # request's last step of that state).
        step = notification.context.get("step", "")
        note, amount = steps.get(
            notification.context.get("event_id"), last_notes.get((request.pk, step), ("", None))
        )
        loaded[notification.pk] = {"request": request, "step_note": note, "step_amount": amount}
    return loaded

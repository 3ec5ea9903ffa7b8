"""The one place an after-sales request gives money back.

In one transaction with the request's move to refunded: the line's units, money and
weight taken back (orders/services/refunds.py: never more than was paid, whatever runs
at once; the impact board's day and the shop's figures follow), returned goods back on
sale, and the money: a refund through the order's gateway (payments: never more than
was captured), or, for cash on delivery and bank transfers, recorded as owed to the
shopper by the shop (settlement pays it from the shop's balance).
"""

from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from aftersales import messages, owed_hooks
from aftersales.models import AfterSalesRequest, RequestEvent
from aftersales.services.common import lock, move
from aftersales.states import State
from core.db import lock_row
from notifications.languages import language_of
from orders.impact.rollups import still_counted
from orders.models import Order, OrderLine, OrderPart
from orders.services import cancel_part
from orders.services.refunds import take_back
from payments.models import Payment, Refund
from payments.services.refunds import captured_payment, refund_order

NOT_POSITIVE = _("Enter an amount above zero.")
ABOVE_ASKED = _("That is more than the shopper asked for (%(asked)s).")
# Kept as the event's note (English, as notes are kept) and translated where shown.
GATEWAY_REFUSED_NOTE = gettext_noop(
    "The payment gateway refused the refund: it is owed to the shopper."
)
ALL_ITEMS_CANCELLED = _("Every item of this part was cancelled at the shopper's request.")
SHIPPED_SINCE = _(
    "This item has shipped since the request to cancel it: once it arrives, ask for a "
    "refund or a return instead."
)


def give_back(
    request: AfterSalesRequest,
    amount: Decimal,
    *,
    actor: str,
    by: AbstractBaseUser | None,
    note: str = "",
    restock: bool = False,
) -> AfterSalesRequest:
    """Refund `amount` (at most what was asked: goods first, then the shipping; all
    that was asked also brings the part's fee when it leaves the part refunded whole) on
    the locked `request` and move it to refunded. Raises ValidationError, changing nothing,
    when it is not above zero or more than is left to refund."""
    if amount <= 0:
        raise ValidationError(NOT_POSITIVE, code="not_positive")
    if amount > request.amount:
        raise ValidationError(
            ABOVE_ASKED, code="above_asked", params={"asked": f"¥{request.amount}"}
        )
    goods = min(amount, request.goods_amount)
    shipping = amount - goods
    with transaction.atomic():
        line = request.line
        # Locked as take_back locks them (the order, then the part): the part's status
        # read here is the one the refund is taken on (a shop shipping it meanwhile waits).
        order = lock_row(Order, request.order_id)
        part = lock_row(OrderPart, request.part_id)
        cancelling = request.kind == AfterSalesRequest.Kind.CANCEL_LINE
        if cancelling and part.status != OrderPart.Status.PENDING:
            # Shipped meanwhile: the goods are on their way; a refund or a return is
            # asked for once they arrive.
            raise ValidationError(SHIPPED_SINCE, code="shipped_since")
        # A line cancelled before shipment goes back on sale (with its flash-sale units
        # and the shopper's promotion allowance), as returned goods do.
        restock = restock or cancelling
        # Given all it asked, a request that leaves the part refunded whole brings the
        # part's fee, even when another line's request was still open as it was opened.
        taken = take_back(
            line,
            quantity=request.quantity,
            goods=goods,
            shipping=shipping,
            restock=restock,
            fee_if_last=amount == request.amount,
        )
        amount = taken.amount
        if cancelling and not any(
            still_counted(other) for other in OrderLine.objects.filter(part=part)
        ):
            # Every item of the part cancelled before shipment: nothing is left to ship.
            with translation.override(language_of(order.shopper)):  # the shopper reads it
                reason = str(ALL_ITEMS_CANCELLED)
            cancel_part(part, reason=reason, by=by)
            part.status = OrderPart.Status.CANCELLED
        payment = captured_payment(order)
        if payment is not None:
            request.refund = refund_order(
                order,
                amount,
                reason=Refund.Reason.AFTER_SALES,
                part=part,
                lines=[{"line": line.pk, "quantity": request.quantity, "amount": str(goods)}],
                by=by,
                note=request.number,
            )
        else:
            # Cash on delivery, a bank transfer: the shop owes it to the shopper, and
            # settlement pays it from the shop's balance (a courier collecting cash on
            # delivery collects what the order says, whatever after-sales decided).
            # A cash-on-delivery part cancelled whole is off the order: the courier
            # collects nothing for it, so nothing is owed.
            request.owed_by_shop = not (
                order.payment_method == Order.PaymentMethod.CASH_ON_DELIVERY
                and part.status == OrderPart.Status.CANCELLED
            )
            if request.owed_by_shop:
                owed_hooks.owed(request, taken.goods, taken.shipping)
        request.refunded_amount = amount
        request.refunded_weight_g = taken.weight_g
        move(request, State.REFUNDED, actor=actor, by=by, note=note, amount=amount)
    return request


def gateway_refused(refund: Refund) -> None:
    """payments' hook, in the transaction recording that the gateway refused `refund`:
    if it was an after-sales request's, the request stays refunded (its line's money
    stays taken back: the shop keeps none of it), the amount is recorded as owed to the
    shopper, to be paid another way (settlement), and the shopper is told."""
    request = AfterSalesRequest.objects.filter(refund=refund).first()
    if request is None:
        return
    request = lock(request)
    # The money stays spoken for on the payment (payments gave it back to what may be
    # refunded): a later cancellation or staff refund must not pay it out a second time.
    Payment.objects.filter(pk=refund.payment_id, refunded__lte=F("amount") - refund.amount).update(
        refunded=F("refunded") + refund.amount
    )
    request.owed_by_shop = True
    request.save(update_fields=["owed_by_shop", "updated_at"])
    # Settlement keeps the refund taken from the shop (settlement.booking.reverse_refund
    # leaves an after-sales refund alone): nothing more is taken here.
    event = RequestEvent.objects.create(
        request=request,
        from_state=request.state,
        to_state=request.state,
        actor=AfterSalesRequest.Actor.SYSTEM,
        note=GATEWAY_REFUSED_NOTE,
        amount=refund.amount,
    )
    messages.notify_step(request, event, shopper_only=True)

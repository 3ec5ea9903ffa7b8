"""The shopper confirming receipt of a part of their order (确认收货)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from orders import selectors
from orders.forms import ConfirmReceiptForm
from orders.models import OrderPart
from orders.shipping.services import delivery

RECEIVED = _("Receipt confirmed. Thank you!")


@login_required
@require_http_methods(["GET", "POST"])
def part_receive(request, number, part_id):
    """Asks first (a page of its own, so it works without JavaScript); receipt is
    confirmed only by that page's "yes". Another shopper's order or part is a 404."""
    order = get_object_or_404(selectors.orders_for_shopper(request.user), number=number)
    part = next((p for p in order.parts.all() if p.pk == part_id), None)
    if part is None:
        raise Http404
    if part.status != OrderPart.Status.SHIPPED:
        messages.error(request, delivery.refusal(part))
        return redirect("orders:detail", number=order.number)
    if request.method != "POST" or not ConfirmReceiptForm(request.POST).is_valid():
        return render(request, "orders/receive.html", {"order": order, "part": part})
    try:
        delivery.confirm_receipt(part, by=request.user)
    except ValidationError as error:
        for problem in error.messages:
            messages.error(request, problem)
    else:
        messages.success(request, RECEIVED)
    return redirect("orders:detail", number=order.number)

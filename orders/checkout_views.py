"""Checkout and the shopper's orders."""

import uuid
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from orders import selectors, services
from orders.forms import CancelOrderForm, CheckoutForm

ORDERS_PER_PAGE = 20
CANCELLED = _("Your order is cancelled.")
THANK_YOU = _("Thank you! Your order is placed. Each vendor ships its own part from its county.")
ALREADY_PLACED = _(
    'This cart was already checked out in another tab or window: your order is '
    '<a href="%(url)s">%(number)s</a>. Nothing was ordered twice.'
)
# How far back an order counts as the one another tab just placed from this cart.
ALREADY_PLACED_WITHIN = timedelta(minutes=15)


@login_required
def checkout(request):
    form = CheckoutForm(
        request.POST or None,
        user=request.user,
        initial={"idempotency_key": uuid.uuid4().hex},
    )
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            # A second click or a retried POST returns the order the first one made.
            order = services.place_order(
                None,  # the shopper's cart, read with its items in one query
                shopper=request.user,
                address=form.cleaned_data["address"],
                payment_method=form.cleaned_data["payment_method"],
                idempotency_key=form.cleaned_data["idempotency_key"],
                expected_total=form.cleaned_data["expected_total"],
            )
        except services.CheckoutProblem as problem:
            problems = problem.messages
            # The other tab's checkout committed first (empty_cart) or at the same moment
            # (cart_changed: it took these items while this one was placing its order).
            if getattr(problem, "code", None) in ("empty_cart", "cart_changed"):
                _tell_if_already_placed(request)
        else:
            messages.success(request, THANK_YOU)
            return redirect("orders:detail", number=order.number)
    contents = selectors.cart_contents(selectors.cart_for_request(request))
    if not contents.groups:
        return redirect("orders:cart")
    if problems:  # a fresh form: the new key and the total shown now
        form = CheckoutForm(user=request.user, initial={
            "idempotency_key": uuid.uuid4().hex, "address": form.cleaned_data["address"].pk,
            "payment_method": form.cleaned_data["payment_method"]})
    form.initial["expected_total"] = contents.total
    return render(
        request,
        "orders/checkout.html",
        {"form": form, "cart": contents, "problems": problems},
    )


def _tell_if_already_placed(request):
    """A checkout posted from a tab that lost the race to another one finds the cart
    empty: tell the shopper which order the other tab placed, rather than nothing."""
    order = selectors.order_just_placed(request.user, within=ALREADY_PLACED_WITHIN)
    if order is not None:
        url = reverse("orders:detail", args=[order.number])
        messages.info(request, mark_safe(ALREADY_PLACED % {  # both values escaped
            "url": conditional_escape(url), "number": conditional_escape(order.number)}))


@login_required
def order_history(request):
    orders = selectors.orders_for_shopper(request.user)
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "orders/history.html", {"page": page})


@login_required
def order_detail(request, number):
    order = get_object_or_404(selectors.orders_for_shopper(request.user), number=number)
    selectors.add_cancel_reasons(order)
    return render(request, "orders/detail.html", {"order": order})


@login_required
@require_http_methods(["GET", "POST"])
def order_cancel(request, number):
    """Asks first (a page of its own, so it works without JavaScript); the order is
    cancelled only by that page's "yes"."""
    order = get_object_or_404(selectors.orders_for_shopper(request.user), number=number)
    if not order.can_cancel:
        return redirect("orders:detail", number=order.number)
    if request.method != "POST" or not CancelOrderForm(request.POST).is_valid():
        return render(request, "orders/cancel.html", {"order": order})
    try:
        services.cancel_order(order, by=request.user)
    except ValidationError as error:
        for problem in error.messages:
            messages.error(request, problem)
    else:
        messages.success(request, CANCELLED)
    return redirect("orders:detail", number=order.number)


@login_required
def inbox(request):
    """The site's inbox: every message delivered to this shopper or vendor member. The
    messages a page shows are read once it is opened: those new until now say so once."""
    messages_sent = selectors.inbox_for(request.user)
    page = Paginator(messages_sent, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # these, and only these, are read now
    new = services.mark_read(request.user, page.object_list)
    return render(request, "orders/inbox.html", {"page": page, "new": new})


@never_cache
@require_GET
def inbox_link(request):
    """The header's link to the inbox with the count of unread messages (loaded by htmx,
    so pages stay cacheable). 204 for a visitor no longer signed in: htmx leaves the
    link as it is."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    return render(request, "orders/partials/inbox_link.html",
                  {"count": selectors.unread_count(request.user)})

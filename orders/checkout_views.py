"""Checkout and the shopper's orders."""

import uuid
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from catalog.models import Product
from orders import channels, line_actions, selectors, services
from orders.forms import CancelOrderForm, CheckoutForm
from orders.models import Cart, CartItem, Order
from orders.payments import method_for
from orders.shipping import timeline
from orders.shipping.provinces import display_name
from orders.views import BUY_NOW_SESSION_KEY

ORDERS_PER_PAGE = 20
CANCELLED = _("Your order is cancelled.")
PLACED_PAY_NOW = _("Your order is placed. Pay for it now: the shops ship once it is paid.")
THANK_YOU = _("Thank you! Your order is placed. Each vendor ships its own part from its county.")
ALREADY_PLACED = _(
    "This cart was already checked out in another tab or window: your order is "
    '<a href="%(url)s">%(number)s</a>. Nothing was ordered twice.'
)
BUY_NOW_GONE = _(
    "That “Buy now” checkout is over: its order was placed, or it expired. Your cart is as it was."
)
BUY_NOW_PRODUCT_GONE = _("This product is no longer on sale.")
CHANGE_CART = _("Change the cart")
SHIPPING_FOR_CHOSEN_ADDRESS = _(
    "The shipping is now shown for the address you chose. Check it, then place the order."
)
BACK_TO_PRODUCT = _("Back to the product")
BACK_TO_HOME = _("Back to the home page")
# How far back an order counts as the one another tab just placed from this cart.
ALREADY_PLACED_WITHIN = timedelta(minutes=15)


@login_required
def checkout(request):
    return _checkout(request)


@login_required
def buy_now_checkout(request, token):
    """The checkout of the one item a "Buy now" holds (orders/views.py buy_now): priced,
    checked and placed exactly as the cart's checkout is, and the cart left as it is."""
    held = request.session.get(BUY_NOW_SESSION_KEY, {}).get(token)
    if held is None:  # placed already (a retried POST, another tab) or expired
        order = Order.objects.filter(
            shopper=request.user, idempotency_key=buy_now_key(token)
        ).first()
        if order is not None:
            return redirect("orders:detail", number=order.number)
        messages.info(request, BUY_NOW_GONE)
        return redirect("orders:cart")
    if not isinstance(held[2], str):  # held before sales channels (a stream's id)
        held = [held[0], held[1], channels.WEB_STORE]
    return _checkout(request, token, held)


def buy_now_key(token):
    """The order key of a "Buy now": its token's, whatever a page posts, so every tab and
    every retry of it (even one that read the session before the first order saved it)
    makes one order (Order.idempotency_key is unique). A held token has 12 characters
    (orders/views.py buy_now): its key fits the column; the URL admits only a slug."""
    return f"buy-now:{token}"


def _checkout(request, token=None, held=None):
    """The cart's checkout, or with `held` ([product id, quantity, sales channel]) that of
    one item bought now. The fees are those to the chosen address (the default one until
    another is chosen): htmx asks again with `?address=` and swaps the summary; without
    JavaScript the "Update shipping" button posts the form without placing the order."""
    updating = request.method == "POST" and "update_shipping" in request.POST
    asking = updating or (request.method == "GET" and "address" in request.GET)
    form = CheckoutForm(
        request.POST if request.method == "POST" and not updating else None,
        user=request.user,
        initial={"idempotency_key": uuid.uuid4().hex},
    )
    if held:  # its key is the token's, never a posted one
        del form.fields["idempotency_key"]
    problems, prices_changed = [], False
    address, address_errors = form.default_address, []
    if form.is_bound and form.is_valid():
        address = form.cleaned_data["address"]
        try:
            # A second click or a retried POST returns the order the first one made.
            order = services.place_order(
                None,  # the shopper's cart, read with its items in one query
                shopper=request.user,
                address=address,
                payment_method=form.cleaned_data["payment_method"],
                idempotency_key=buy_now_key(token)
                if held
                else form.cleaned_data["idempotency_key"],
                expected_total=form.cleaned_data["expected_total"],
                expected_shipping=form.cleaned_data["expected_shipping"],
                items=[CartItem(product_id=held[0], quantity=held[1], channel=held[2])]
                if held
                else None,
            )
        except services.CheckoutProblem as problem:
            problems = problem.messages
            prices_changed = all(
                error.code in services.PRICE_CHANGES for error in problem.error_list
            )
            quoted = form.cleaned_data["quoted_address"]
            if (
                quoted is not None
                and quoted != address.pk
                and _codes(problem) == {"shipping_changed"}
            ):  # the page showed another address's fees (no JavaScript to update them)
                problems = [SHIPPING_FOR_CHOSEN_ADDRESS]
            # The other tab's checkout committed first (empty_cart) or at the same moment
            # (cart_changed: it took these items while this one was placing its order).
            if getattr(problem, "code", None) in ("empty_cart", "cart_changed") and not held:
                _tell_if_already_placed(request)
        else:
            return _placed(request, order, token, held)
    elif asking:  # another address chosen: its fees
        chosen = form.chosen_address((request.POST if updating else request.GET).get("address"))
        if chosen is None:  # not one of the shopper's: refused as the form refuses it
            address_errors = [form.fields["address"].error_messages["invalid_choice"]]
        address = chosen or address
    elif form.is_bound:  # the form says what is wrong; the fees of its address if valid
        address = form.chosen_address(request.POST.get("address"))
    if held:
        contents = selectors.cart_contents(
            Cart(user=request.user),
            selectors.buy_now_items([held]),
            province=address.province if address else None,
        )
    else:
        contents = selectors.cart_contents(
            selectors.cart_for_request(request), province=address.province if address else None
        )
    if not contents.groups:
        url = reverse("orders:cart")
        if held:  # the product was deleted since
            messages.error(request, BUY_NOW_PRODUCT_GONE)
            url = _buy_now_origin(held)[0]
        # htmx asking for the summary: the whole page goes there, not its summary
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if problems or asking:
        # A fresh form: a new key (a refused checkout) and the totals shown now.
        form = _fresh_form(request, form, address, held, keep_key=not problems)
    shown = {
        "expected_total": contents.grand_total,
        "expected_shipping": contents.shipping_fee,
        "quoted_address": address.pk if address else None,
    }
    form.initial.update(shown)
    if form.is_bound:  # a form shown again with its mistakes: the totals of this page
        form.data = form.data.copy()
        for name, value in shown.items():
            form.data[name] = "" if value is None else str(value)
    back = (
        (_buy_now_origin(held) if held else (reverse("orders:cart"), CHANGE_CART))
        if problems or contents.problems or contents.not_delivered
        else None
    )  # the problem box's link (read only
    # then: no query on a GET that can be placed)
    # Reopened after its item went off sale or short: said so, and nothing to place.
    lower = _lower_quantity(held, contents) if held and not problems else None
    context = {
        "form": form,
        "cart": contents,
        "problems": problems,
        "buy_now": bool(held),
        "prices_changed": prices_changed,
        "back": back,
        "lower": lower,
        "address_errors": address_errors,
        "province_name": display_name(contents.province) if contents.province else "",
    }
    if request.htmx and request.method == "GET":  # the summary for the chosen address
        return render(request, "orders/partials/checkout_summary.html", context)
    return render(request, "orders/checkout.html", context)


def _codes(problem):
    return {error.code for error in problem.error_list}


def _fresh_form(request, form, address, held, *, keep_key):
    """A form showing `address` chosen and the posted payment method, its key the posted
    one while nothing was refused (the page is the same checkout), else a new one."""
    posted = form.cleaned_data if form.is_bound and hasattr(form, "cleaned_data") else {}
    key = request.POST.get("idempotency_key", "") if keep_key else ""
    method = posted.get("payment_method") or _method_posted(
        request, fresh_choices=form.fields["payment_method"].choices
    )
    initial = {
        "idempotency_key": key if 16 <= len(key) <= 64 and key.isalnum() else uuid.uuid4().hex,
        "address": address.pk if address else None,
        **({"payment_method": method} if method else {}),  # else the form's default
    }
    fresh = CheckoutForm(user=request.user, initial=initial)
    if held:
        del fresh.fields["idempotency_key"]
    return fresh


def _method_posted(request, *, fresh_choices):
    """The payment method the "Update shipping" post chose, if it is one on offer."""
    method = request.POST.get("payment_method", "")
    return method if method in {value for value, _label in fresh_choices} else None


def _placed(request, order, token, held):
    """Where a placed order goes: to the cashier (online), else to its page."""
    if held:  # done: the page is not a checkout any more
        request.session[BUY_NOW_SESSION_KEY] = {
            t: h for t, h in request.session[BUY_NOW_SESSION_KEY].items() if t != token
        }
    pay_url = method_for(order.payment_method).pay_url(order)
    if pay_url:  # online: on to the cashier, the order waits for its payment
        messages.success(request, PLACED_PAY_NOW)
        return redirect(pay_url)
    messages.success(request, THANK_YOU)
    return redirect("orders:detail", number=order.number)


def _lower_quantity(held, contents):
    """For a "Buy now" whose item is short (some left): (the product, the units left,
    what its channel's page posted, a live stream's slug, or ""), for a form that holds it
    again with as many as are left."""
    short = [item for item in contents.problems if item.problem == "short"]
    if not short or short[0].product.stock < 1:
        return None
    page = channels.page_of(held[2])
    return short[0].product, short[0].product.stock, page.posted if page else ""


def _buy_now_origin(held):
    """(url, link text) of the page a "Buy now" came from: its channel's (a live
    stream's), else the product's; the home page when neither is there any more."""
    product_id, _quantity, channel = held
    page = channels.page_of(channel)
    if page is not None:
        return page.url, page.back_label
    product = Product.objects.visible().filter(pk=product_id).first()
    if product is not None:
        return product.get_absolute_url(), BACK_TO_PRODUCT
    return reverse("catalog:home"), BACK_TO_HOME


def _tell_if_already_placed(request):
    """A checkout posted from a tab that lost the race to another one finds the cart
    empty: tell the shopper which order the other tab placed, rather than nothing."""
    order = selectors.order_just_placed(request.user, within=ALREADY_PLACED_WITHIN)
    if order is not None:
        url = reverse("orders:detail", args=[order.number])
        messages.info(
            request,
            mark_safe(
                ALREADY_PLACED
                % {  # both values escaped
                    "url": conditional_escape(url),
                    "number": conditional_escape(order.number),
                }
            ),
        )


@login_required
def order_history(request):
    orders = selectors.orders_for_shopper(request.user)
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "orders/history.html", {"page": page})


@login_required
def order_detail(request, number):
    order = get_object_or_404(selectors.orders_for_shopper(request.user), number=number)
    selectors.add_cancel_reasons(order)
    timeline.add_timelines(order)
    line_actions.add_line_actions(order)
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

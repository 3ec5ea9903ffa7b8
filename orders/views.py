"""Cart pages. Thin: parse the form, call a service, render or redirect."""

import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from catalog.models import Product
from orders import channels, selectors, services
from orders.forms import AddToCartForm, QuantityForm
from orders.shipping.views import destination, personal, province_choices, remember

CART_CHANGED = "cart-changed"  # htmx event: the header's cart count reloads
BUY_NOW_SESSION_KEY = "buy_now"  # {token: [product id, quantity, sales channel]}
BUY_NOW_KEPT = 5  # the latest "Buy now"s of this browser (tabs) that can still be checked out


def _form_errors(form):
    return [error for errors in form.errors.values() for error in errors]


def _cart_context(request, cart, place):
    """The cart with each shop's shipping to the shopper's province (when known), and the
    province picker's choices."""
    return {
        "cart": selectors.cart_contents(cart, province=place.province),
        "provinces": province_choices(),
        "province_invalid": place.invalid,
    }


def _cart_response(request, cart):
    """After a change: the cart fragment for htmx, a redirect to the cart otherwise."""
    if request.htmx:
        context = _cart_context(request, cart, destination(request))
        response = render(request, "orders/partials/cart_body.html", context)
        response["HX-Trigger"] = CART_CHANGED
        return response
    return redirect("orders:cart")


@require_GET
def cart_detail(request):
    """The cart page; for htmx (the province picker) its body alone. A `?province=`
    picks where to quote shipping to, and is remembered."""
    cart = selectors.cart_for_request(request)
    place = destination(request)
    template = "orders/partials/cart_body.html" if request.htmx else "orders/cart.html"
    response = render(request, template, _cart_context(request, cart, place))
    return personal(remember(response, place))


@require_GET
def cart_summary(request):
    """The header's cart link with its count (loaded by htmx; pages stay cacheable)."""
    count = selectors.cart_item_count(selectors.cart_for_request(request))
    return render(request, "orders/partials/cart_link.html", {"count": count})


@require_POST
def cart_add(request, product_id):
    product = get_object_or_404(Product.objects.visible(), pk=product_id)
    form = AddToCartForm(request.POST)
    problems = _form_errors(form) if not form.is_valid() else []
    page = None  # the channel's page it was added from (a live stream's)
    if not problems:
        cart = selectors.cart_for_request(request, create=True)
        page = channels.page_posted(form.cleaned_data["stream"])
        try:
            services.add_to_cart(cart, product, form.cleaned_data["quantity"], bought_from=page)
        except ValidationError as error:
            problems = error.messages
    if request.htmx:
        response = render(
            request,
            "orders/partials/added.html",
            {"product": product, "problems": problems},
        )
        if not problems:
            response["HX-Trigger"] = CART_CHANGED
        return response
    for problem in problems:
        messages.error(request, problem)
    back = page.url if page else product.get_absolute_url()
    if problems:
        return redirect(back)
    messages.success(
        request, _("Added “%(product)s” to your cart.") % {"product": product.display_name}
    )
    return redirect("orders:cart")


@require_POST
def cart_update(request, product_id):
    cart = selectors.cart_for_request(request)
    if cart is None:
        return redirect("orders:cart")
    item = get_object_or_404(cart.items.select_related("product"), product_id=product_id)
    form = QuantityForm(request.POST)
    if "remove" in request.POST:
        form = QuantityForm({"quantity": 0})
    if not form.is_valid():
        for problem in _form_errors(form):
            messages.error(request, problem)
    else:
        try:
            services.set_cart_quantity(cart, item.product, form.cleaned_data["quantity"])
        except ValidationError as error:
            for problem in error.messages:
                messages.error(request, problem)
    return _cart_response(request, cart)


@require_POST
def buy_now(request, product_id):
    """ "Buy now": straight to a checkout of this item alone (see checkout_views), held in
    the session under a token, so the cart is neither checked out nor lost, and a shopper
    who must sign in first comes back to it. Only the product, the quantity and the
    sales channel are kept; the price is computed at checkout."""
    product = get_object_or_404(Product.objects.visible(), pk=product_id)
    form = AddToCartForm(request.POST)
    problems = _form_errors(form) if not form.is_valid() else []
    # Any text: it only finds a channel's page (a live stream's) or none.
    page = channels.page_posted(request.POST.get("stream"))
    if not problems:
        try:
            item = services.buy_now_item(product, form.cleaned_data["quantity"], bought_from=page)
        except ValidationError as error:
            problems = error.messages
    if problems:
        if request.htmx:
            return render(
                request, "orders/partials/added.html", {"product": product, "problems": problems}
            )
        for problem in problems:
            messages.error(request, problem)
        return redirect(page.url if page else product.get_absolute_url())
    held = request.session.get(BUY_NOW_SESSION_KEY, {})
    token = secrets.token_urlsafe(9)
    held[token] = [item.product_id, item.quantity, item.channel]
    request.session[BUY_NOW_SESSION_KEY] = dict(list(held.items())[-BUY_NOW_KEPT:])
    url = reverse("orders:buy_now_checkout", args=[token])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)

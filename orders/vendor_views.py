"""The vendor dashboard's orders side: the shop's own order parts and its sales.

Mounted under /vendor/ by hubei_market/vendor_urls.py; `vendor_view` sets request.vendor
and refuses writes of a shop that is not approved. Parts are reached only through
`vendor_parts(request.vendor)`, so another shop's part is a 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from catalog.vendor.access import vendor_view
from orders import selectors, services
from orders.forms import CancelPartForm, ShipPartForm
from orders.impact.selectors import vendor_contribution
from orders.models import Order, OrderEvent, OrderPart

PARTS_PER_PAGE = 25
SHIPPED = _("Marked as shipped; the shopper is told the tracking number.")
PART_CANCELLED = _("Cancelled; the stock is back and the shopper is told why.")


@vendor_view
def home(request):
    """The dashboard's first page: the last 30 days' sales and what is waiting to ship."""
    mine, store = vendor_contribution(request.vendor)
    return render(
        request,
        "vendor/home.html",
        {
            "sales": selectors.vendor_sales_summary(request.vendor),
            "contribution": mine,
            "store": store,
            "share": round(mine.weight_g * 100 / store.weight_g, 1) if store.weight_g else 0,
            # Paid (or cash on delivery): an unpaid order's part cannot ship yet.
            "to_ship": selectors.vendor_parts(request.vendor)
            .filter(status=OrderPart.Status.PENDING)
            .exclude(order__status=Order.Status.PLACED)
            .count(),
        },
    )


@vendor_view
def part_list(request):
    parts = selectors.vendor_parts(request.vendor)
    status = request.GET.get("status", "")
    if status in OrderPart.Status.values:
        parts = parts.filter(status=status)
    if status == OrderPart.Status.PENDING:  # to ship: paid ones only
        parts = parts.exclude(order__status=Order.Status.PLACED)
    page = Paginator(parts, PARTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "vendor/orders.html",
        {
            "page": page,
            "status": status,
            "statuses": OrderPart.Status.choices,
        },
    )


def _render_part(request, part, ship_form=None, cancel_form=None):
    return render(
        request,
        "vendor/order_detail.html",
        {
            "part": part,
            "order": part.order,
            "ship_form": ship_form or ShipPartForm(),
            "cancel_form": cancel_form or CancelPartForm(),
            "events": OrderEvent.objects.filter(
                Q(part=part) | Q(part__isnull=True), order_id=part.order_id
            ).select_related("by"),
        },
        status=400 if ship_form is not None or cancel_form is not None else 200,
    )


def _change_part(request, part, done, change, **details):
    """Apply a service's change to the part as this user; back to the part's page with
    `done`, or with the reason the change was refused."""
    try:
        change(part, by=request.user, **details)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("vendor:order", part_id=part.pk)


@vendor_view
def part_detail(request, part_id):
    return _render_part(
        request, get_object_or_404(selectors.vendor_parts(request.vendor), pk=part_id)
    )


@vendor_view
@require_POST
def part_ship(request, part_id):
    part = get_object_or_404(selectors.vendor_parts(request.vendor), pk=part_id)
    form = ShipPartForm(request.POST)
    if not form.is_valid():
        return _render_part(request, part, ship_form=form)
    return _change_part(request, part, SHIPPED, services.ship_part, **form.cleaned_data)


@vendor_view
@require_POST
def part_cancel(request, part_id):
    part = get_object_or_404(selectors.vendor_parts(request.vendor), pk=part_id)
    form = CancelPartForm(request.POST)
    if not form.is_valid():
        return _render_part(request, part, cancel_form=form)
    return _change_part(
        request, part, PART_CANCELLED, services.cancel_part, reason=form.cleaned_data["reason"]
    )

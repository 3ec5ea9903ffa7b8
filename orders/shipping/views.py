"""What the shopper sees of shipping before buying: the product page's line to their
province (a fragment htmx loads, so the product page itself stays cached, the same for
everyone) and the province they pick, kept in a cookie (SHIP_TO_COOKIE) the cart reads
too. Without JavaScript the line is a small page of its own, and the pickers are GET
forms to `ship_to`, which sets the cookie and goes back."""

from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from orders import selectors
from orders.models import Cart
from orders.shipping.provinces import display_name, is_province, provinces
from orders.shipping.selectors import ship_to_province

ONE_YEAR = 365 * 24 * 60 * 60
NOT_A_PROVINCE = _("Choose a province from the list.")


@dataclass(frozen=True)
class Destination:
    """Where the page quotes shipping to: `province` (None: not known), whether the
    request picked it (`picked`: the response remembers it) and whether the request
    asked for something that is not a province delivered to (`invalid`)."""

    province: str | None
    picked: bool = False
    invalid: bool = False


def destination(request: HttpRequest) -> Destination:
    """The province a `?province=` picks, else the one the shopper ships to (cookie,
    default address). An empty choice is no choice; anything else not a province is
    `invalid` (and the known province is quoted still)."""
    asked = request.GET.get("province", "")
    if is_province(asked):
        return Destination(asked, picked=True)
    return Destination(ship_to_province(request), invalid=bool(asked))


def remember(response: HttpResponse, place: Destination) -> HttpResponse:
    """Keep a picked province for a year, for every page of the store."""
    if place.picked and place.province:
        response.set_cookie(
            settings.SHIP_TO_COOKIE,
            quote(place.province),
            max_age=ONE_YEAR,
            path="/",
            samesite="Lax",
            httponly=True,
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )
    return response


def province_choices() -> list[tuple[str, str]]:
    """(value, label) for the pickers: every province delivered to, in the reader's
    language, in the ministry's order (as the address book lists them)."""
    return [(province, display_name(province)) for province in provinces()]


def personal(response: HttpResponse) -> HttpResponse:
    """A response that depends on the shopper's cookie or account: no shared cache (nor
    the browser's) keeps it, and the same URL answers htmx and a full page."""
    add_never_cache_headers(response)
    patch_vary_headers(response, ["Cookie", "HX-Request"])
    return response


@require_GET
def shipping_line(request: HttpRequest, product_id: int) -> HttpResponse:
    """ "至 广东: 运费 ¥12 · 满 ¥99 包邮" for one unit of the product at its price now,
    with a province picker; htmx swaps it into the product page, a browser without
    JavaScript gets it as a page. 404 for a product not on sale."""
    place = destination(request)
    items = selectors.buy_now_items([(product_id, 1, "")], photos=False)
    if not items:
        raise Http404
    user = request.user if request.user.is_authenticated else None
    view = selectors.cart_contents(Cart(user=user), items, province=place.province)
    if view.problems and view.problems[0].problem == "unavailable":
        raise Http404
    group = view.groups[0]
    context = {
        "product": group.items[0].product,
        "province": place.province,
        "province_name": display_name(place.province) if place.province else "",
        "quote": group.shipping.parcels[0].quote if group.shipping else None,
        "invalid": place.invalid,
        "provinces": province_choices(),
        "back": request.path,
    }
    template = "orders/partials/shipping_line.html" if request.htmx else "orders/shipping_line.html"
    return personal(remember(render(request, template, context), place))


@require_GET
def ship_to(request: HttpRequest) -> HttpResponse:
    """The pickers without JavaScript: keep the province picked, then back to `next`
    (a path of this site only), the cart by default."""
    place = destination(request)
    if place.invalid:
        messages.error(request, NOT_A_PROVINCE)
    return remember(_back(request, reverse("orders:cart")), place)


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.GET.get("next", "")
    # A path of this site only: another site's address, or a control character in a
    # Location header, is not followed (as catalog/vendor/views.py `_back`).
    if (
        target.startswith("/")
        and target.isprintable()
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return redirect(target)
    return redirect(default)

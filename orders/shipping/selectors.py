"""Reads for shipping: the templates of many products at once, the province a shopper
ships to, and the quotes of a cart's parts."""

from collections.abc import Iterable
from urllib.parse import unquote

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest

from orders.models import Address
from orders.shipping.fees import Goods, PartQuote, quote_part
from orders.shipping.models import FreightRate, FreightTemplate, ProductFreight
from orders.shipping.provinces import is_province


def templates_for(products: Iterable) -> dict[int, FreightTemplate | None]:
    """product id -> the template it ships under (its own, else its shop's default, else
    None: free), its rates read with it. Three small queries whatever the number of
    products (none for no products): the products' own links, the templates, their
    rates. Every checkout runs it, so the rates are attached by hand (cheaper than
    prefetch_related) and the templates' timestamps are not read."""
    products = list(products)
    if not products:
        return {}
    links = dict(
        ProductFreight.objects.filter(product_id__in=[p.pk for p in products]).values_list(
            "product_id", "template_id"
        )
    )
    by_pk = {
        template.pk: template
        for template in FreightTemplate.objects.filter(
            Q(vendor_id__in={p.vendor_id for p in products}, is_default=True)
            | Q(pk__in=set(links.values()))
        )
        .defer("created_at", "updated_at")
        .order_by()
    }
    for template in by_pk.values():
        template._prefetched_objects_cache = {"rates": []}
    for rate in FreightRate.objects.filter(template_id__in=list(by_pk)).order_by("id"):
        rate.template = by_pk[rate.template_id]
        by_pk[rate.template_id]._prefetched_objects_cache["rates"].append(rate)
    default_of = {t.vendor_id: t for t in by_pk.values() if t.is_default}
    own = {
        p.pk: by_pk[links[p.pk]]
        for p in products
        # its shop's template only (staff could once move a template to another shop)
        if p.pk in links and by_pk[links[p.pk]].vendor_id == p.vendor_id
    }
    return {p.pk: own.get(p.pk) or default_of.get(p.vendor_id) for p in products}


def picked_province(request: HttpRequest) -> str | None:
    """The province this browser picked (SHIP_TO_COOKIE), if it is one delivered to."""
    value = unquote(request.COOKIES.get(settings.SHIP_TO_COOKIE, ""))
    return value if is_province(value) else None


def ship_to_province(request: HttpRequest) -> str | None:
    """Where this shopper ships to, for the product page and the cart: the province they
    picked, else that of a signed-in shopper's default address, else None (not known:
    the page asks). One query at most."""
    picked = picked_province(request)
    if picked or not request.user.is_authenticated:
        return picked
    address = Address.objects.filter(user=request.user).order_by("-is_default", "-created_at")
    return address.values_list("province", flat=True).first()


def quote_goods_by_vendor(
    goods_by_vendor: dict[int, list[Goods]], province: str
) -> dict[int, PartQuote]:
    """vendor id -> its part's quote to the province; the templates read once for all."""
    products = [g.product for goods in goods_by_vendor.values() for g in goods]
    templates = templates_for(products)
    return {
        vendor_id: quote_part(goods, templates, province)
        for vendor_id, goods in goods_by_vendor.items()
    }

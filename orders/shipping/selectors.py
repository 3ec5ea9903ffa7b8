"""Reads for shipping: the templates of many products at once, the province a shopper
ships to, and the quotes of a cart's parts."""

from collections.abc import Iterable
from urllib.parse import unquote

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest

from orders.models import Address
from orders.shipping.fees import Goods, PartQuote, quote_part
from orders.shipping.models import FreightRate, FreightTemplate, ProductFreight
from orders.shipping.provinces import is_province

# The attribute `with_freight_links` gives each product: the id of the template it is
# sent under instead of its shop's default (None: the default).
FREIGHT_LINK = "freight_template_id"


def with_freight_links(queryset: QuerySet, product: str = "pk") -> QuerySet:
    """`queryset` (products, or rows with a `product` key named by `product`, such as
    "product_id" for cart items) annotated with FREIGHT_LINK, so that templates_for has
    no query of its own for them: the checkout and the cart read it with their items."""
    link = ProductFreight.objects.filter(product_id=OuterRef(product)).values("template_id")
    return queryset.annotate(**{FREIGHT_LINK: Subquery(link[:1])})


def link_products(items: list) -> list:
    """Each cart item's product takes the FREIGHT_LINK read with the item
    (with_freight_links(..., "product_id")); `items` returned."""
    for item in items:
        setattr(item.product, FREIGHT_LINK, getattr(item, FREIGHT_LINK))
    return items


def templates_for(products: Iterable) -> dict[int, FreightTemplate | None]:
    """product id -> the template it ships under (its own, else its shop's default, else
    None: free), its rates read with it. One query for products read with their
    FREIGHT_LINK (with_freight_links), two otherwise, whatever their number (none for no
    products). Every checkout runs it: the templates are built from their rates' rows,
    without prefetch_related or the templates' timestamps."""
    products = list(products)
    if not products:
        return {}
    if all(hasattr(p, FREIGHT_LINK) for p in products):
        links = {p.pk: getattr(p, FREIGHT_LINK) for p in products if getattr(p, FREIGHT_LINK)}
    else:
        links = dict(
            ProductFreight.objects.filter(product_id__in=[p.pk for p in products]).values_list(
                "product_id", "template_id"
            )
        )
    rates = (
        FreightRate.objects.select_related("template")
        .defer("template__created_at", "template__updated_at")
        .filter(
            Q(template__vendor_id__in={p.vendor_id for p in products}, template__is_default=True)
            | Q(template_id__in=set(links.values()))
        )
        .order_by("template_id", "id")
    )
    by_pk: dict[int, FreightTemplate] = {}
    for rate in rates:
        template = by_pk.setdefault(rate.template_id, rate.template)
        if rate.template is template:  # the first of its rates
            template._prefetched_objects_cache = {"rates": []}
        rate.template = template
        template._prefetched_objects_cache["rates"].append(rate)
    default_of = {t.vendor_id: t for t in by_pk.values() if t.is_default}
    own = {
        p.pk: by_pk[links[p.pk]]
        for p in products
        # its shop's template only (staff could once move a template to another shop);
        # a template with no rate is not found: the dashboard and the admin refuse one
        if p.pk in links and links[p.pk] in by_pk and by_pk[links[p.pk]].vendor_id == p.vendor_id
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

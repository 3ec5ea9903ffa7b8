"""Reads the promotion pages need (and the product page's sale), each in a fixed number
of queries; prices come from catalog/promotions/pricing.py."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from catalog.models import Product
from catalog.promotions.models import Promotion
from catalog.promotions.pricing import ScheduledPromotion, quote
from catalog.selectors import visible_products


def products_in_promotion(promotion: Promotion) -> QuerySet:
    """Visible products a promotion's scope reaches (its products, or any product of its
    categories, vendors or counties)."""
    return (
        visible_products()
        .filter(
            Q(pk__in=promotion.products.all())
            | Q(category__in=promotion.categories.all())
            | Q(vendor__in=promotion.vendors.all())
            | Q(origin_county__in=promotion.counties.all())
        )
        .distinct()
    )


UPCOMING_DAYS = 30


def promotions_now_and_soon(now: datetime | None = None) -> tuple[list, list]:
    """(running now, starting within 30 days): two lists, soonest first, in one query."""
    now = now or timezone.now()
    promotions = list(
        Promotion.objects.filter(
            ends_at__gt=now, starts_at__lt=now + timedelta(days=UPCOMING_DAYS)
        ).order_by("starts_at", "pk")
    )
    running = sorted((p for p in promotions if p.starts_at <= now), key=lambda p: p.ends_at)
    return running, [p for p in promotions if p.starts_at > now]


@dataclass(frozen=True)
class ProductSale:
    """The sale a product page announces: running now, or the next one coming; with
    `coming`, a better sale (a ProductSale) that starts while or after this one runs."""

    promotion: ScheduledPromotion
    price: Decimal  # one unit's price while it runs
    state: str  # "scheduled" or "running"
    coming: "ProductSale | None" = None  # a better sale starting later
    after: "ProductSale | None" = None  # the sale pricing it when this one ends (running)


def _sale_after(sale: "ProductSale", product: Product) -> "ProductSale":
    """`sale` with the sale that prices `product` at its end (its `after`: the ended
    state shows that price, not the list price, while another sale still runs)."""
    later = quote(product, sale.promotion.ends_at)
    if later.promotion is None:
        return sale
    return replace(sale, after=ProductSale(later.promotion, later.amount, "running"))


COMING_SALES_CHECKED = 3  # a better sale running at a coming one's start hides it


def _coming_sale(product: Product, now: datetime, below: Decimal) -> "ProductSale | None":
    """The first promotion starting within UPCOMING_DAYS that will price `product` when
    it starts, lower than `below` (one query, and the price schedule at that moment:
    cached like every schedule), as a ProductSale; None if none."""
    links = {
        relation: getattr(Promotion, relation).through.objects
        for relation in ("products", "categories", "vendors", "counties")
    }
    coming = (
        Promotion.objects.filter(
            starts_at__gt=now, starts_at__lt=now + timedelta(days=UPCOMING_DAYS)
        )
        .filter(
            Q(pk__in=links["products"].filter(product_id=product.pk).values("promotion_id"))
            | Q(
                pk__in=links["categories"]
                .filter(category_id=product.category_id)
                .values("promotion_id")
            )
            | Q(pk__in=links["vendors"].filter(vendor_id=product.vendor_id).values("promotion_id"))
            | Q(
                pk__in=links["counties"]
                .filter(county_id=product.origin_county_id)
                .values("promotion_id")
            )
        )
        .order_by("starts_at", "pk")
        .values_list("pk", "starts_at")[:COMING_SALES_CHECKED]
    )
    for pk, starts_at in coming:
        price = quote(product, starts_at)
        if price.promotion is not None and price.promotion.pk == pk and price.amount < below:
            return ProductSale(price.promotion, price.amount, "scheduled")
    return None


def product_sale(product: Product, now: datetime | None = None) -> "ProductSale | None":
    """The sale shown on `product`'s page (None if none): the promotion pricing applies
    now (`apply_prices` has set it), with the next coming sale cheaper than it (its
    `coming`); else the first coming sale cheaper than the price now. One query either
    way, and the price schedule at the sale's end (its `after`: cached like every
    schedule)."""
    now = now or timezone.now()
    if product.promotion is not None:
        sale = ProductSale(
            product.promotion,
            product.current_price,
            "running",
            _coming_sale(product, now, product.current_price),
        )
    else:
        sale = _coming_sale(product, now, product.price)
    return sale and _sale_after(sale, product)


def promotion_by_slug(slug: str) -> Promotion:
    return get_object_or_404(Promotion.objects.all(), slug=slug)

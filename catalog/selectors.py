"""Reads the shopper pages need, each in a fixed number of queries."""

from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from catalog.models import (
    Category,
    County,
    KeywordLanding,
    Prefecture,
    Product,
    Promotion,
    Vendor,
)
from catalog.promotions.pricing import apply_prices, quote

HOME_SHELF_SIZE = 8
HOME_COUNTIES = 12
COUNTS_CACHE_SECONDS = 300
CATEGORY_COUNTS_KEY = "catalog:category-counts"
COUNTY_COUNTS_KEY = "catalog:county-counts"
VISIBLE = Q(products__status=Product.Status.PUBLISHED) & Q(
    products__vendor__status=Vendor.Status.APPROVED
)


def visible_products():
    return Product.objects.visible()


def products_in_category(category):
    """Visible products of a category and of its sub-categories."""
    return visible_products().filter(Q(category=category) | Q(category__parent=category))


def taxonomy_choices():
    """Choices for the listing filters: (slug, label) lists, three queries.

    `county_groups` holds the counties by prefecture: (prefecture slug, prefecture name,
    [(county slug, county name)]), so the county list can narrow to one prefecture.
    """
    categories = [(c.slug, c.name) for c in Category.objects.all()]
    prefectures = [(p.slug, p.name) for p in Prefecture.objects.all()]
    all_counties = list(
        County.objects.select_related("prefecture").order_by("prefecture__position", "name_en")
    )
    counties = [(c.slug, f"{c.name} · {c.prefecture.name}") for c in all_counties]
    groups = {}
    for county in all_counties:
        prefecture = county.prefecture
        groups.setdefault(prefecture.slug, (prefecture.slug, prefecture.name, []))[2].append(
            (county.slug, county.name)
        )
    return {
        "category": categories,
        "prefecture": prefectures,
        "county": counties,
        "county_groups": list(groups.values()),
    }


def categories_with_counts():
    """Top-level categories with how many products are on sale in each, sub-categories
    included.

    Counting scans every visible product (about 200 ms at 200,000), so the counts are
    kept for COUNTS_CACHE_SECONDS rather than recounted at every catalog change;
    `forget_counts()` drops them when visibility changes.
    """
    in_category = (
        visible_products()
        .filter(Q(category=OuterRef("pk")) | Q(category__parent=OuterRef("pk")))
        .order_by()
        .values("status")
        .annotate(count=Count("pk"))
        .values("count")[:1]
    )
    return cache.get_or_set(
        CATEGORY_COUNTS_KEY,
        lambda: list(
            Category.objects.filter(parent=None)
            .annotate(product_count=Coalesce(Subquery(in_category), 0))
            .order_by("position", "slug")
        ),
        COUNTS_CACHE_SECONDS,
    )


def counties_with_products():
    """The counties with the most products on sale, for the zone home (counts cached)."""
    return cache.get_or_set(
        COUNTY_COUNTS_KEY,
        lambda: list(
            County.objects.select_related("prefecture")
            .annotate(product_count=Count("products", filter=VISIBLE))
            .filter(product_count__gt=0)
            .order_by("-product_count", "slug")[:HOME_COUNTIES]
        ),
        COUNTS_CACHE_SECONDS,
    )


def forget_counts():
    """Drop the cached home-page counts (a vendor or a product was shown or hidden)."""
    cache.delete_many([CATEGORY_COUNTS_KEY, COUNTY_COUNTS_KEY])


def newest_products(limit=HOME_SHELF_SIZE):
    return apply_prices(
        list(visible_products().for_cards().in_shop_order("-created_at", "-id")[:limit])
    )


def featured_products(limit=HOME_SHELF_SIZE):
    return apply_prices(
        list(
            visible_products()
            .filter(is_featured=True)
            .for_cards()
            .in_shop_order("-created_at", "-id")[:limit]
        )
    )


def product_for_shopper(slug):
    """A product page: 404 unless published and its vendor approved."""
    product = get_object_or_404(visible_products().for_cards(), slug=slug)
    apply_prices([product])
    return product


def more_from_vendor(product, limit=4):
    return apply_prices(
        list(
            visible_products()
            .filter(vendor_id=product.vendor_id)
            .exclude(pk=product.pk)
            .for_cards()
            .in_shop_order("-created_at", "-id")[:limit]
        )
    )


def approved_vendor(slug):
    return get_object_or_404(
        Vendor.objects.select_related("county__prefecture"),
        slug=slug,
        status=Vendor.Status.APPROVED,
    )


def county_by_slug(slug):
    return get_object_or_404(County.objects.select_related("prefecture"), slug=slug)


def category_by_slug(slug):
    return get_object_or_404(Category.objects.all(), slug=slug)


def active_landings():
    """Landings shoppers may follow: active, and not into a vendor that is not shown."""
    return KeywordLanding.objects.filter(is_active=True).filter(
        Q(vendor__isnull=True) | Q(vendor__status=Vendor.Status.APPROVED)
    )


def landing_for(keyword):
    """The active keyword landing for a normalised `keyword`, or None (one query)."""
    return (
        active_landings()
        .filter(keyword=keyword)
        .select_related("category", "county__prefecture", "vendor__county", "promotion")
        .first()
    )


def popular_keywords(limit=12):
    return list(active_landings().order_by("keyword").values_list("keyword", flat=True)[:limit])


def products_in_promotion(promotion):
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


def promotions_now_and_soon(now=None):
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

    promotion: object  # a pricing.ScheduledPromotion
    price: Decimal  # one unit's price while it runs
    state: str  # "scheduled" or "running"
    coming: object = None  # a better ProductSale starting later, or None
    after: object = None  # the sale pricing it when this one ends (running), or None


def _sale_after(sale, product):
    """`sale` with the sale that prices `product` at its end (its `after`: the ended
    state shows that price, not the list price, while another sale still runs)."""
    later = quote(product, sale.promotion.ends_at)
    if later.promotion is None:
        return sale
    return replace(sale, after=ProductSale(later.promotion, later.amount, "running"))


COMING_SALES_CHECKED = 3  # a better sale running at a coming one's start hides it


def _coming_sale(product, now, below):
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


def product_sale(product, now=None):
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


def promotion_by_slug(slug):
    return get_object_or_404(Promotion.objects.all(), slug=slug)

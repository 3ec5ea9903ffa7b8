"""Reads the shopper pages need, each in a fixed number of queries."""

from typing import Any

from django.core.cache import cache
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404

from catalog.models import (
    Category,
    County,
    KeywordLanding,
    Prefecture,
    Product,
    Vendor,
)
from catalog.models.products import ProductQuerySet
from catalog.promotions.pricing import apply_prices

HOME_SHELF_SIZE = 8
HOME_COUNTIES = 12
COUNTS_CACHE_SECONDS = 300
CATEGORY_COUNTS_KEY = "catalog:category-counts"
COUNTY_COUNTS_KEY = "catalog:county-counts"
VISIBLE = Q(products__status=Product.Status.PUBLISHED) & Q(
    products__vendor__status=Vendor.Status.APPROVED
)


def visible_products() -> ProductQuerySet:
    return Product.objects.visible()


def products_in_category(category: Category) -> ProductQuerySet:
    """Visible products of a category and of its sub-categories."""
    # The ids in a subquery, not a join and an OR: the index on the category answers it.
    ids = Category.objects.filter(Q(pk=category.pk) | Q(parent=category)).values("pk")
    return visible_products().filter(category__in=ids)


def taxonomy_choices() -> dict[str, Any]:
    """Choices for the listing filters: (slug, label) lists, three queries.

    `county_groups` holds the counties by prefecture: (prefecture slug, prefecture name,
    [(county slug, county name)]), so the county list can narrow to one prefecture.
    `category_ids`, `county_ids` and `prefecture_county_ids` give the ids each slug
    filters by (a category: it and its sub-categories), so a filter is a condition on the
    product's own columns, which an index can answer (catalog/filters.py).
    """
    all_categories = list(Category.objects.all())
    categories = [(c.slug, c.name) for c in all_categories]
    category_ids = {c.slug: [c.pk] for c in all_categories}
    by_id = {c.pk: c for c in all_categories}
    for category in all_categories:
        if category.parent_id in by_id:
            category_ids[by_id[category.parent_id].slug].append(category.pk)
    prefectures = [(p.slug, p.name) for p in Prefecture.objects.all()]
    all_counties = list(
        County.objects.select_related("prefecture").order_by("prefecture__position", "name_en")
    )
    counties = [(c.slug, f"{c.name} · {c.prefecture.name}") for c in all_counties]
    groups: dict[str, tuple[str, str, list[tuple[str, str]]]] = {}
    prefecture_county_ids: dict[str, list[int]] = {}
    for county in all_counties:
        prefecture = county.prefecture
        groups.setdefault(prefecture.slug, (prefecture.slug, prefecture.name, []))[2].append(
            (county.slug, county.name)
        )
        prefecture_county_ids.setdefault(prefecture.slug, []).append(county.pk)
    return {
        "category": categories,
        "prefecture": prefectures,
        "county": counties,
        "county_groups": list(groups.values()),
        "category_ids": category_ids,
        "county_ids": {county.slug: county.pk for county in all_counties},
        "prefecture_county_ids": prefecture_county_ids,
    }


def categories_with_counts() -> list[Category]:
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


def counties_with_products() -> list[County]:
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


def forget_counts() -> None:
    """Drop the cached home-page counts (a vendor or a product was shown or hidden)."""
    cache.delete_many([CATEGORY_COUNTS_KEY, COUNTY_COUNTS_KEY])


def newest_product_ids(limit: int = HOME_SHELF_SIZE) -> list[int]:
    """The home's newest products, for their cards (catalog/cards.py)."""
    return list(
        visible_products().in_shop_order("-created_at", "-id").values_list("pk", flat=True)[:limit]
    )


def featured_product_ids(limit: int = HOME_SHELF_SIZE) -> list[int]:
    return list(
        visible_products()
        .filter(is_featured=True)
        .in_shop_order("-created_at", "-id")
        .values_list("pk", flat=True)[:limit]
    )


def shown_product(slug: str) -> tuple[int, int]:
    """(id, vendor id) of the product a product page shows: 404 unless published and
    its vendor approved. Read before the page's rows (catalog/revision.py)."""
    found = visible_products().filter(slug=slug).values_list("pk", "vendor_id").first()
    if found is None:
        raise Http404("No product here.")
    return found


def product_for_shopper(slug: str) -> Product:
    """A product page: 404 unless published and its vendor approved."""
    product = get_object_or_404(visible_products().for_cards(), slug=slug)
    apply_prices([product])
    return product


def more_from_vendor_ids(product: Product, limit: int = 4) -> list[int]:
    return list(
        visible_products()
        .filter(vendor_id=product.vendor_id)
        .exclude(pk=product.pk)
        .in_shop_order("-created_at", "-id")
        .values_list("pk", flat=True)[:limit]
    )


def approved_vendor(slug: str) -> Vendor:
    return get_object_or_404(
        Vendor.objects.select_related("county__prefecture"),
        slug=slug,
        status=Vendor.Status.APPROVED,
    )


def county_by_slug(slug: str) -> County:
    return get_object_or_404(County.objects.select_related("prefecture"), slug=slug)


def category_by_slug(slug: str) -> Category:
    return get_object_or_404(Category.objects.all(), slug=slug)


def active_landings() -> QuerySet[KeywordLanding]:
    """Landings shoppers may follow: active, and not into a vendor that is not shown."""
    return KeywordLanding.objects.filter(is_active=True).filter(
        Q(vendor__isnull=True) | Q(vendor__status=Vendor.Status.APPROVED)
    )


def landing_for(keyword: str) -> KeywordLanding | None:
    """The active keyword landing for a normalised `keyword`, or None (one query)."""
    return (
        active_landings()
        .filter(keyword=keyword)
        .select_related("category", "county__prefecture", "vendor__county", "promotion")
        .first()
    )


def popular_keywords(limit: int = 12) -> list[str]:
    return list(active_landings().order_by("keyword").values_list("keyword", flat=True)[:limit])


def inherited_by_category(field: str) -> dict[int, Any]:
    """category pk -> the category's `field` (a setting a category may leave empty to
    take its parent's: receipt days, after-sales hours): its own, else its nearest
    ancestor's, for the categories that have one. One query (the categories are few)."""
    rows = {
        pk: (parent, value)
        for pk, parent, value in Category.objects.values_list("pk", "parent_id", field)
    }
    found = {}
    for pk in rows:
        seen, at = set(), pk
        while at in rows and at not in seen:  # up the tree; a cycle stops the walk
            seen.add(at)
            parent, value = rows[at]
            if value is not None:
                found[pk] = value
                break
            at = parent
    return found

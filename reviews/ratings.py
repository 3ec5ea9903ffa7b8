"""The figures reviews feed: a product's count and stars in all (cards and product page
read them without touching the reviews table), and a shop's 90-day rating (storefront).

Every change of what shoppers see (a review written, hidden or shown again) goes
through `review_counted` / `review_uncounted` inside the transaction that makes it, and
bumps the catalog revision so cached pages show the new figures."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Avg, Count, F, Sum
from django.utils import timezone

from catalog.models import Product, Vendor
from catalog.revision import bump_catalog_revision
from reviews.models import Review

SHOP_RATING_DAYS = 90


def review_counted(review: Review) -> None:
    """`review` is now shown: add its stars to its product and refresh its shop."""
    if review.product_id:
        Product.objects.filter(pk=review.product_id).update(
            rating_count=F("rating_count") + 1, rating_total=F("rating_total") + review.stars
        )
    refresh_shop_rating(review.vendor_id)
    bump_catalog_revision()


def review_uncounted(review: Review) -> None:
    """`review` is no longer shown (hidden by staff): take its stars back."""
    if review.product_id:
        Product.objects.filter(pk=review.product_id, rating_count__gt=0).update(
            rating_count=F("rating_count") - 1, rating_total=F("rating_total") - review.stars
        )
    refresh_shop_rating(review.vendor_id)
    bump_catalog_revision()


def refresh_shop_rating(vendor_id: int) -> None:
    """The shop's average over its shown reviews of the last SHOP_RATING_DAYS days."""
    since = timezone.now() - timedelta(days=SHOP_RATING_DAYS)
    figures = (
        Review.objects.shown()
        .filter(vendor_id=vendor_id, created_at__gte=since)
        .aggregate(average=Avg("stars"), count=Count("id"))
    )
    average = figures["average"]
    Vendor.objects.filter(pk=vendor_id).update(
        recent_rating=None if average is None else Decimal(average).quantize(Decimal("0.01")),
        recent_rating_count=figures["count"],
    )


def refresh_all_shop_ratings() -> int:
    """Every shop's 90-day rating again (nightly: reviews age out of the window).
    Returns how many shops were refreshed."""
    vendor_ids = list(Vendor.objects.values_list("pk", flat=True))
    for vendor_id in vendor_ids:
        refresh_shop_rating(vendor_id)
    if vendor_ids:
        bump_catalog_revision()
    return len(vendor_ids)


def recount_product_ratings() -> int:
    """Every product's count and stars from the shown reviews (after an import, or to
    repair drift). Returns how many products changed."""
    shown = {
        row["product_id"]: row
        for row in Review.objects.shown()
        .filter(product__isnull=False)
        .values("product_id")
        .annotate(count=Count("id"), total=Sum("stars"))
    }
    changed = []
    for product in Product.objects.only("pk", "rating_count", "rating_total").iterator():
        row = shown.get(product.pk, {"count": 0, "total": 0})
        if (product.rating_count, product.rating_total) != (row["count"], row["total"] or 0):
            product.rating_count, product.rating_total = row["count"], row["total"] or 0
            changed.append(product)
    Product.objects.bulk_update(changed, ["rating_count", "rating_total"], batch_size=500)
    if changed:
        bump_catalog_revision()
    return len(changed)

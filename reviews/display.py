"""What shoppers read of reviews: a product's summary (its average, count and how many
gave each number of stars), its newest reviews below the product, all of them on the
product's reviews page, with their photos, follow-up (追评) and the shop's reply.

Only shown reviews are read (hidden ones are gone from every page and figure). The
average and count are the product's own columns (reviews.ratings keeps them), so the
card and the page never count rows. Every read here is a fixed number of queries
however many reviews there are; a product without reviews costs none."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, OuterRef, Prefetch, QuerySet, Value, When

from catalog.models import Product
from catalog.product_sections import ProductSection
from reviews.models import MAX_STARS, Review, ReviewPhoto

SECTION_TEMPLATE = "reviews/partials/product_section.html"
NEWEST_ON_PRODUCT_PAGE = 3
REVIEWS_PER_PAGE = 20


def masked_name(user) -> str:
    """The author as other shoppers see them: the first character and two stars (王**),
    from the family and given names, else the username."""
    name = f"{user.last_name}{user.first_name}".strip() or user.get_username() or "?"
    return f"{name[0]}**"


@dataclass(frozen=True)
class StarsCount:
    stars: int
    count: int
    percent: int


@dataclass(frozen=True)
class Summary:
    """A product's figures: `average` (one decimal) and `count` from its columns, and
    `by_stars` (5 down to 1) from its shown reviews."""

    average: object
    count: int
    by_stars: list[StarsCount] = field(default_factory=list)


def shown_reviews() -> QuerySet[Review]:
    """Shown reviews, newest first, with their author and photos (in order) for the page."""
    return (
        Review.objects.shown()
        .select_related("author")
        .prefetch_related(
            Prefetch("photos", queryset=ReviewPhoto.objects.order_by("position", "id"))
        )
        .order_by("-created_at", "-id")
    )


def reviews_of(
    product: Product, *, with_photos: bool = False, stars: int | None = None
) -> QuerySet[Review]:
    reviews = shown_reviews().filter(product=product)
    if with_photos:
        reviews = reviews.filter(Exists(ReviewPhoto.objects.filter(review=OuterRef("pk"))))
    if stars is not None:
        reviews = reviews.filter(stars=stars)
    return reviews


def summary_of(product: Product) -> Summary:
    """One query (none without reviews)."""
    if not product.rating_count:
        return Summary(average=None, count=0)
    counts = dict(
        Review.objects.shown()
        .filter(product=product)
        .order_by()
        .values("stars")
        .annotate(count=Count("id"))
        .values_list("stars", "count")
    )
    total = sum(counts.values()) or 1
    by_stars = [
        StarsCount(stars, counts.get(stars, 0), round(100 * counts.get(stars, 0) / total))
        for stars in range(MAX_STARS, 0, -1)
    ]
    return Summary(average=product.rating, count=product.rating_count, by_stars=by_stars)


def for_display(reviews) -> list[Review]:
    """The reviews as the templates read them: the author masked, the photos sent with
    the review apart from those sent with the follow-up (from the prefetched photos)."""
    reviews = list(reviews)
    for review in reviews:
        review.author_shown = masked_name(review.author)
        photos = list(review.photos.all())
        review.review_photos = [photo for photo in photos if not photo.with_follow_up]
        review.follow_up_photos = [photo for photo in photos if photo.with_follow_up]
    return reviews


@dataclass(frozen=True)
class ProductReviews:
    product: Product
    summary: Summary
    newest: list[Review]


def product_section(product: Product) -> ProductSection:
    """The reviews section below a product: its summary and newest shown reviews (three
    queries; none when it has no review)."""
    newest = []
    if product.rating_count:
        newest = for_display(reviews_of(product)[:NEWEST_ON_PRODUCT_PAGE])
    return ProductSection(SECTION_TEMPLATE, ProductReviews(product, summary_of(product), newest))


def reviews_for_vendor(vendor) -> QuerySet[Review]:
    """One shop's shown reviews for its dashboard, those it has not replied to first,
    then newest first, with their product. Another shop's review is simply not found."""
    return (
        shown_reviews()
        .filter(vendor=vendor)
        .select_related("product")
        .order_by(
            Case(When(replied_at__isnull=True, then=Value(0)), default=Value(1)),
            "-created_at",
            "-id",
        )
    )

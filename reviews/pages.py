"""The shoppers' reviews page of a product: every shown review, newest first, 20 a page,
filtered to those with photos (?photos=1, 有图) or to a number of stars (?stars=5).
Cached like the catalog pages (by catalog revision: every change of what it shows
bumps it)."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from catalog import selectors as catalog_selectors
from catalog.page_cache import cached_page
from reviews import display
from reviews.models import MAX_STARS


def _stars_asked(value: str | None) -> int | None:
    """The stars filter if it is a number of stars (1 to 5); anything else shows all."""
    if value and value.isdigit() and 1 <= int(value) <= MAX_STARS:
        return int(value)
    return None


def product_reviews(request: HttpRequest, slug: str) -> HttpResponse:
    def render_reviews(extra):
        product = get_object_or_404(
            catalog_selectors.visible_products().select_related("vendor"), slug=slug
        )
        with_photos = request.GET.get("photos") == "1"
        stars = _stars_asked(request.GET.get("stars"))
        page = Paginator(
            display.reviews_of(product, with_photos=with_photos, stars=stars),
            display.REVIEWS_PER_PAGE,
        ).get_page(request.GET.get("page"))
        page.object_list = display.for_display(page.object_list)
        context = {
            "product": product,
            "summary": display.summary_of(product),
            "page": page,
            "with_photos": with_photos,
            "stars": stars,
            "star_choices": range(MAX_STARS, 0, -1),
        }
        return render(request, "reviews/product_reviews.html", {**context, **extra})

    return cached_page(request, render_reviews)

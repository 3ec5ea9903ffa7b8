"""Shopper pages. Thin: read through selectors, render, cache by catalog revision."""

from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from catalog import selectors
from catalog.filters import ProductFilter
from catalog.page_cache import cached_fragment, cached_value, catalog_revision
from catalog.pricing import apply_prices
from catalog.search import normalise_keyword

PAGE_SIZE = 24


def home(request):
    def build():
        context = {
            "categories": selectors.categories_with_counts(),
            "counties": selectors.counties_with_products(),
            "featured": selectors.featured_products(),
            "newest": selectors.newest_products(),
            "keywords": selectors.popular_keywords(),
        }
        return render_to_string("catalog/partials/home_body.html", context, request)

    return render(request, "catalog/home.html", {"body": cached_fragment("home", request, build)})


def product_detail(request, slug):
    def build():
        product = selectors.product_for_shopper(slug)
        context = {"product": product, "more": selectors.more_from_vendor(product)}
        return {
            "title": product.display_name,
            "body": render_to_string("catalog/partials/product_body.html", context, request),
        }

    page = cached_fragment("product", request, build)
    return render(request, "catalog/product_detail.html", page)


def product_list(request):
    return _listing(request, template="catalog/product_list.html")


def category_detail(request, slug):
    category = selectors.category_by_slug(slug)
    return _listing(
        request,
        template="catalog/category_detail.html",
        products=selectors.products_in_category(category),
        hide=("category",),
        context={"category": category},
    )


def county_detail(request, slug):
    county = selectors.county_by_slug(slug)
    return _listing(
        request,
        template="catalog/county_detail.html",
        products=selectors.visible_products().filter(origin_county=county),
        hide=("county", "prefecture"),
        context={"county": county},
    )


def vendor_detail(request, slug):
    vendor = selectors.approved_vendor(slug)
    return _listing(
        request,
        template="catalog/vendor_detail.html",
        products=selectors.visible_products().filter(vendor=vendor),
        hide=("vendor",),
        context={"vendor": vendor},
    )


def search(request):
    query = request.GET.get("q", "")
    only_query = set(request.GET) <= {"q"}
    if only_query:
        landing = selectors.landing_for_keyword(query)
        if landing is not None:
            return redirect(landing.get_target_url())
    if not normalise_keyword(query):
        return render(
            request,
            "catalog/search_empty.html",
            {"keywords": selectors.popular_keywords(), "query": query},
        )
    return _listing(request, template="catalog/search_results.html", context={"query": query})


def _listing(request, *, template, products=None, hide=(), context=None):
    """A filtered, sorted, paginated product list, the body cached by catalog revision.

    A category, county or vendor page passes its `products` and `hide`s the filters
    its URL path already fixes.
    """
    revision = catalog_revision()
    choices = cached_value(
        f"taxonomy-choices:{get_language()}", selectors.taxonomy_choices, revision=revision
    )

    def build():
        filterset = ProductFilter(
            request.GET,
            queryset=selectors.visible_products() if products is None else products,
            choices=choices,
            hide=hide,
        )
        listing = {"filter": filterset, "page": None}
        if filterset.is_valid():
            paginator = Paginator(filterset.qs.for_cards(), PAGE_SIZE)
            try:
                page = paginator.page(request.GET.get("page") or 1)
            except InvalidPage:
                raise Http404(_("There is no such page of results.")) from None
            page.object_list = apply_prices(list(page.object_list))
            listing["page"] = page
        return render_to_string("catalog/partials/listing.html", listing, request)

    listing_html = cached_fragment(template, request, build, revision=revision)
    if request.htmx:
        response = HttpResponse(listing_html)
    else:
        response = render(request, template, {"listing": listing_html, **(context or {})})
    patch_vary_headers(response, ["HX-Request"])
    return response

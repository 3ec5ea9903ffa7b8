"""Shopper pages. Thin: read through selectors, render, cache by catalog revision."""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils.translation import get_language

from catalog import selectors
from catalog.cards import product_cards
from catalog.facets import listing_facets
from catalog.filters import ProductFilter
from catalog.models import KeywordLanding
from catalog.page_cache import cached_page
from catalog.paging import CappedPaginator
from catalog.product_sections import sections_for
from catalog.promotions import selectors as promotion_selectors
from catalog.revision import (
    PRICES_KEY,
    cache_key,
    cached_value,
    catalog_revision,
    current_tokens,
    depends_on,
    product_key,
    shelf_key,
)
from catalog.search import normalise_keyword
from catalog.search.query import query_words, search_products
from catalog.search.words import alternative_words, corrected_words
from catalog.suggestions import search_url, suggest

PAGE_SIZE = 24


def home(request):
    def render_home(extra):
        context = {
            "categories": selectors.categories_with_counts(),
            "counties": selectors.counties_with_products(),
            "featured": product_cards(selectors.featured_product_ids()),
            "newest": product_cards(selectors.newest_product_ids()),
            "keywords": selectors.popular_keywords(),
        }
        return render(request, "catalog/home.html", {**context, **extra})

    return cached_page(request, render_home)


def product_detail(request, slug):
    def render_product(extra):
        # Its version and its shop's shelf read before its rows (catalog/revision.py).
        product_id, vendor_id = selectors.shown_product(slug)
        depends_on(current_tokens([product_key(product_id), shelf_key(vendor_id)]))
        product = selectors.product_for_shopper(slug)
        context = {
            "product": product,
            "more": product_cards(selectors.more_from_vendor_ids(product)),
            "sale": promotion_selectors.product_sale(product),
            "sections": sections_for(product),
        }
        return render(request, "catalog/product_detail.html", {**context, **extra})

    # Stale when it, its shop's shelf or a card it shows changes, not with every listing.
    return cached_page(request, render_product, listings=False)


def product_list(request):
    return product_listing(request, "catalog/product_list.html")


def category_detail(request, slug):
    def scope():
        category = selectors.category_by_slug(slug)
        return selectors.products_in_category(category), {"category": category}

    return product_listing(request, "catalog/category_detail.html", scope=scope, hide=("category",))


def county_detail(request, slug):
    def scope():
        county = selectors.county_by_slug(slug)
        return selectors.visible_products().filter(origin_county=county), {"county": county}

    return product_listing(
        request, "catalog/county_detail.html", scope=scope, hide=("county", "prefecture")
    )


# A vendor sells from one county: place filters could only repeat it or find nothing.
VENDOR_PAGE_HIDES = ("vendor", "prefecture", "county")


def vendor_detail(request, slug):
    def scope():
        vendor = selectors.approved_vendor(slug)
        return selectors.visible_products().filter(vendor=vendor), {"vendor": vendor}

    return product_listing(
        request, "catalog/vendor_detail.html", scope=scope, hide=VENDOR_PAGE_HIDES
    )


def search(request):
    query = request.GET.get("q", "")
    keyword = normalise_keyword(query)
    if not keyword:
        return render(
            request,
            "catalog/search_empty.html",
            {"keywords": selectors.popular_keywords(), "query": query},
        )
    landing = cached_value(f"landing-for:{keyword}", lambda: selectors.landing_for(keyword))
    if landing is None:
        return _search_results(request, query)
    if landing.target == KeywordLanding.Target.URL:
        listing = _listing_at(landing.url)
        if listing is None:
            # A campaign page of the site, not a list of products: a bare keyword goes
            # there; a search the shopper is filtering stays a search.
            if set(request.GET) <= {"q"}:
                return redirect(landing.get_target_url())
            return _search_results(request, query)
        return _landing(request, landing, query, *listing)
    return _landing(request, landing, query, landing.target, None, "")


def search_suggest(request):
    """The suggestions for what the shopper is typing in the header's search box (an
    htmx fragment, cached by revision like the pages). Asked without htmx (no
    JavaScript, a link passed on) it is a plain search."""
    query = request.GET.get("q", "")
    if not request.htmx:
        return redirect(search_url(query))

    def render_suggestions(extra):
        context = {"suggestions": suggest(query), **extra}
        return render(request, "catalog/partials/search_suggestions.html", context)

    return cached_page(request, render_suggestions)


# The listing pages a URL landing may show under its keyword: URL name -> target kind.
LISTING_URL_NAMES = {
    "product_list": "products",
    "category": "category",
    "county": "county",
    "vendor": "vendor",
    "promotion": "promotion",
}


def _listing_at(url):
    """(kind, slug, query string) of the product listing of this site `url` shows, or
    None for any other page."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    kind = LISTING_URL_NAMES.get(match.url_name) if match.namespace == "catalog" else None
    if kind is None:
        return None
    return kind, match.kwargs.get("slug"), parts.query


def _landing(request, landing, query, kind, slug, filters):
    """A keyword landing, shown under the keyword: what it leads to (a banner, a title, a
    link) and its products, filterable and paginated; the keyword is not searched.

    `kind` is what it leads to (a landing's target, or for a URL landing the listing the
    URL shows, by `slug`, with the query string `filters` applied until the shopper
    filters)."""
    Target = KeywordLanding.Target
    hide = {
        Target.CATEGORY: ("q", "category"),
        Target.COUNTY: ("q", "county", "prefecture"),
        Target.VENDOR: ("q", *VENDOR_PAGE_HIDES),
    }.get(kind, ("q",))
    data = None
    if filters and set(request.GET) <= {"q", "page"}:
        data = QueryDict(filters, mutable=True)
        data.setlist("q", request.GET.getlist("q"))
        data.setlist("page", request.GET.getlist("page"))

    def target_of():
        if slug is None:
            return kind, getattr(landing, kind, None) if kind != Target.ZONE else None
        find = {
            "category": selectors.category_by_slug,
            "county": selectors.county_by_slug,
            "vendor": selectors.approved_vendor,
            "promotion": promotion_selectors.promotion_by_slug,
        }
        try:
            return kind, find[kind](slug)
        except Http404:  # its page is gone (or hidden): the zone's products, not a 404
            return Target.ZONE, None

    def scope():
        kind, target = target_of()
        if kind == Target.CATEGORY:
            products = selectors.products_in_category(target)
        elif kind == Target.COUNTY:
            products = selectors.visible_products().filter(origin_county=target)
        elif kind == Target.VENDOR:
            products = selectors.visible_products().filter(vendor=target)
        elif kind == Target.PROMOTION:
            products = promotion_selectors.products_in_promotion(target)
        else:
            products = selectors.visible_products()
        return products, {"landing": landing, "query": query, "target_kind": kind, "target": target}

    return product_listing(
        request, "catalog/search_landing.html", scope=scope, hide=hide, data=data
    )


def _search_results(request, query):
    return product_listing(
        request, "catalog/search_results.html", context={"query": query}, rescue=rescue_search
    )


def rescue_search(filterset, results):
    """A search that found nothing: its misspelt words corrected (`crayfsh`), and the
    results for that if any; otherwise "did you mean" and the popular keywords. Returns
    (filterset, page, context) with what the page shows."""
    typed = normalise_keyword(filterset.form.cleaned_data.get("q"))
    words = [word.text for word in query_words(typed)]
    corrected = " ".join(corrected_words(words))
    if corrected and corrected != " ".join(words):
        data = filterset.data.copy()
        data["q"] = corrected
        retried, page = results(data)
        if page is not None and page.paginator.count:
            return retried, page, {"corrected_query": corrected, "typed_query": typed}
    # Only spellings that find something (in the whole zone: the links drop the filters).
    did_you_mean = [
        query
        for query in (" ".join(other) for other in alternative_words(words))
        if search_products(selectors.visible_products(), query).exists()
    ]
    return None, None, {"did_you_mean": did_you_mean, "keywords": selectors.popular_keywords()}


def product_listing(
    request, template, *, scope=None, hide=(), context=None, data=None, rescue=None
):
    """A filtered, sorted, paginated product list; the whole page cached by revision.

    A category, county or vendor page passes `scope()`, returning its products and
    context (404 when the object is not shown), and `hide`s the filters its path fixes.
    htmx requests get only the results (and the filter panel's count and messages, swapped
    out of band): the form the shopper is typing into is never replaced.
    """

    def render_listing(extra):
        products, page_context = scope() if scope else (selectors.visible_products(), {})
        # v3: with the ids each slug filters by (a new name, so no older shape is ever read)
        # Read before the choices: what is cached with it was made from them or later.
        revision = catalog_revision()
        choices = cached_value(f"taxonomy-choices-v3:{get_language()}", selectors.taxonomy_choices)

        def results(data):
            filterset = ProductFilter(data, queryset=products, choices=choices, hide=hide)
            if not filterset.is_valid():
                return filterset, None
            if filterset.by_price:  # read before its rows (catalog/revision.py)
                depends_on(current_tokens([PRICES_KEY]))
            # Not a page number: page 1; past the end: the last page (a link kept too long).
            # Counted up to a bound, whatever the catalog's size; a search ranks fewer.
            if filterset.form.cleaned_data.get("q"):
                most, ranked = settings.SEARCH_MAX_RANKED, True
            else:
                most, ranked = settings.LISTING_MAX_COUNTED, False
            # The page's ids: their cards are cached (catalog/cards.py).
            paginator = CappedPaginator(
                filterset.qs.values_list("pk", flat=True), PAGE_SIZE, most=most, ranked=ranked
            )
            page = paginator.get_page(request.GET.get("page"))
            page.object_list = product_cards(list(page.object_list))
            return filterset, page

        filterset, page = results(request.GET if data is None else data)
        if rescue and page is not None and not page.paginator.count:
            retried, retried_page, rescued = rescue(filterset, results)
            filterset, page = retried or filterset, retried_page or page
            extra = {**extra, **rescued}
        facets = []
        if page is not None:
            paginator = page.paginator
            facets = listing_facets(
                filterset,
                products,
                path=request.path,
                choices=choices,
                hide=hide,
                # More than a listing counts: the facets of as many, without counts (a
                # search's are of the matches it ranks).
                sample=paginator.most + 1 if paginator.more and not paginator.ranked else None,
                revision=revision,
            )
        listing = {
            "filter": filterset,
            "page": page,
            "facets": facets,
            "filter_fields_key": _filter_fields_key(filterset, hide, revision),
            "filter_fields_seconds": settings.CATALOG_PAGE_CACHE_SECONDS,
        }
        if page is not None and page.object_list and filterset.form.cleaned_data.get("vendor"):
            listing["chosen_vendor"] = _shown_vendor(filterset.form.cleaned_data["vendor"])
        if request.htmx and not request.htmx.history_restore_request:
            if page is None:
                return _filter_errors(request, filterset)
            return render(request, "catalog/partials/listing_update.html", {**listing, **extra})
        full = {**listing, **page_context, **(context or {}), **extra}
        return render(request, template, full)

    return cached_page(request, render_listing)


def _filter_fields_key(filterset, hide, revision):
    """What the filter form's fields look like (catalog/partials/filter_fields.html): the
    same for the same catalog revision (read before its choices), language, fixed filters
    and values asked for; None for a form with errors (shown beside the fields they
    concern)."""
    form = filterset.form
    if form.errors:
        return None
    data = form.data
    asked = [
        (name, data.getlist(name) if hasattr(data, "getlist") else data.get(name))
        for name in form.fields
    ]
    return cache_key("filter-fields", revision, get_language() or "", ",".join(hide), repr(asked))


def _shown_vendor(slug):
    """The shop a listing is filtered to (its name in the title), None if not shown."""
    try:
        return selectors.approved_vendor(slug)
    except Http404:
        return None


def _filter_errors(request, filterset):
    """htmx asked with filters that are not valid (a lowest price above the highest…):
    say why beside the filters and keep the results shown (no swap, no new URL). Not a
    200, so never cached."""
    response = render(
        request,
        "catalog/partials/filter_errors.html",
        {"filter": filterset, "oob": True},
        status=422,
    )
    response["HX-Reswap"] = "none"
    response["HX-Push-Url"] = "false"
    return response

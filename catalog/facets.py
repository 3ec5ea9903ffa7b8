"""Counts beside a product listing's filters (search results, all products, a category,
county, vendor or landing page): how many of the results are in each category, each
county and each price band, as links that choose it, in one to three aggregate
queries whatever the number of products.

Each facet counts the results filtered by everything but itself (the category counts
ignore the chosen category), so a shopper sees what choosing another would give; the
chosen value's count is the number of results. The facets whose filter is not set count
the same results, so they are counted together in one grouped query (a listing before
any facet is chosen: one query); each facet whose filter is set takes one more. A facet
whose filter the page fixes (a category page's category) is left out.

The counts are kept in the cache for FACET_COUNTS_SECONDS (60) per listing and filters,
and until the catalog revision changes: a page rendered after a product changed (its
price, its stock) does not count every match again. So a count may lag a product
changed within that minute; the products listed, their prices and the total never do.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.filters import ProductFilter
from catalog.models import Product
from catalog.models.products import ProductQuerySet
from catalog.revision import cache_key, catalog_revision, good_until

# Price bands on the price the card shows (Product.promoted_price, else the list price),
# in yuan: [low, high). A band's link sets min_price and max_price, the top one fen below
# the next band, so the listing's own filters select it.
PRICE_BANDS: list[tuple[int | None, int | None]] = [
    (None, 20),
    (20, 50),
    (50, 100),
    (100, 200),
    (200, None),
]
ONE_FEN = Decimal("0.01")
MAX_VALUES = 8  # per facet, the largest counts first
FACET_PARAMS = {
    "category": ("category",),
    "county": ("county",),
    "price": ("min_price", "max_price"),
}
GROUPED_BY = {"category": "category__slug", "county": "origin_county__slug"}


@dataclass(frozen=True)
class FacetValue:
    label: str
    count: int
    url: str  # the listing with this value chosen, or no longer chosen when it is
    chosen: bool


@dataclass(frozen=True)
class Facet:
    name: str
    title: str
    values: list[FacetValue]
    counted: bool = True  # False: the values of a sample of the results, without counts


def _url(path: str, data: QueryDict, name: str, chosen: dict[str, Any] | None) -> str:
    """The listing at `path` filtered as `data` with facet `name` set to `chosen` (its
    parameters), or without it; on its first page."""
    query = data.copy()
    for param in (*FACET_PARAMS[name], "page"):
        query.pop(param, None)
    for param, value in (chosen or {}).items():
        query[param] = str(value)
    encoded = query.urlencode()
    return f"{path}?{encoded}" if encoded else path


def _results_without(
    products: ProductQuerySet, data: QueryDict, name: str | None, *, choices: dict, hide: tuple
) -> ProductQuerySet:
    """`products` filtered as `data` says except for facet `name` (if any), unordered."""
    others = data.copy()
    for param in FACET_PARAMS.get(name, ()):
        others.pop(param, None)
    filterset = ProductFilter(others, queryset=products, choices=choices, hide=hide)
    return _distinct_by_id(filterset.qs.order_by())


def _first(results: ProductQuerySet, sample: int | None) -> ProductQuerySet:
    """`results`, or the first `sample` of them found (in no order) when given."""
    if sample is None:
        return results
    return Product.objects.filter(pk__in=results.order_by().values("pk")[:sample])


def _distinct_by_id(results: ProductQuerySet) -> ProductQuerySet:
    if results.query.distinct:
        # A promotion's products are SELECT DISTINCT (its scopes join them more than
        # once): counted in groups they would count twice, so count them by id.
        return Product.objects.filter(pk__in=results.values("pk"))
    return results


def _counted(rows: dict[str, int], labels: list[tuple[str, str]]) -> list[tuple[str, str, int]]:
    found = [(slug, label, rows[slug]) for slug, label in labels if rows.get(slug)]
    found.sort(key=lambda row: -row[2])  # stable: equal counts keep the choices' order
    return found


def _band_condition(low: int | None, high: int | None) -> Q:
    return (Q(shown_price__gte=low) if low is not None else Q()) & (
        Q(shown_price__lt=high) if high is not None else Q()
    )


def _tally(results: ProductQuerySet, names: list[str]) -> dict[str, Counter]:
    """For each facet of `names`: value (a slug, or a price band's index) -> how many of
    `results` have it. One query: grouped by the slugs, price bands as conditional counts."""
    fields = [GROUPED_BY[name] for name in names if name in GROUPED_BY]
    bands = {}
    if "price" in names:
        results = results.with_shown_price()
        bands = {
            f"band_{i}": Count("pk", filter=_band_condition(low, high))
            for i, (low, high) in enumerate(PRICE_BANDS)
        }
    if fields:
        rows = results.values(*fields).annotate(count=Count("pk"), **bands).order_by()
    else:
        rows = [results.aggregate(**bands)]
    tallies = {name: Counter() for name in names}
    for row in rows:
        for name in names:
            if name == "price":
                for i in range(len(PRICE_BANDS)):
                    tallies[name][i] += row[f"band_{i}"]
            else:
                tallies[name][row[GROUPED_BY[name]]] += row["count"]
    return tallies


def _slug_facet(
    name: str,
    title: str,
    labels: list[tuple[str, str]],
    rows: Counter,
    path: str,
    data: QueryDict,
    chosen: str | None,
) -> Facet:
    counted = _counted(rows, labels)
    shown = counted[:MAX_VALUES]
    if chosen and chosen not in {slug for slug, _label, _count in shown}:
        shown += [row for row in counted if row[0] == chosen]  # the chosen one stays in sight
    values = [
        FacetValue(
            label=label,
            count=count,
            url=_url(path, data, name, None if slug == chosen else {name: slug}),
            chosen=slug == chosen,
        )
        for slug, label, count in shown
    ]
    return Facet(name=name, title=title, values=values)


def _band_label(low: int | None, high: int | None) -> str:
    if low is None:
        return _("Under ¥%(high)s") % {"high": high}
    if high is None:
        return _("¥%(low)s and up") % {"low": low}
    return _("¥%(low)s–%(high)s") % {"low": low, "high": high}


def _band_params(low: int | None, high: int | None) -> dict[str, Decimal]:
    params = {}
    if low is not None:
        params["min_price"] = Decimal(low).quantize(ONE_FEN)
    if high is not None:
        params["max_price"] = Decimal(high) - ONE_FEN
    return params


def _price_facet(counts: Counter, path: str, data: QueryDict, cleaned: dict[str, Any]) -> Facet:
    chosen_now = {
        param: cleaned[param]
        for param in ("min_price", "max_price")
        if cleaned.get(param) is not None
    }
    values = []
    for i, (low, high) in enumerate(PRICE_BANDS):
        count = counts[i]
        params = _band_params(low, high)
        chosen = bool(chosen_now) and chosen_now == params
        if count or chosen:
            values.append(
                FacetValue(
                    label=_band_label(low, high),
                    count=count,
                    url=_url(path, data, "price", None if chosen else params),
                    chosen=chosen,
                )
            )
    return Facet(name="price", title=_("Price"), values=values)


def listing_facets(
    filterset: ProductFilter,
    products: ProductQuerySet,
    *,
    path: str,
    choices: dict[str, Any],
    hide: tuple[str, ...] = (),
    sample: int | None = None,
    revision: str | None = None,
) -> list[Facet]:
    """The facets of a listing at `path` whose valid `filterset` (built with `choices`
    and `hide`) filters `products`, the page's own; the filters it hides are not
    counted. One query, and one more for each facet whose filter is set.

    `sample`: the results are more than a listing counts (LISTING_MAX_COUNTED): the
    values are those of the first `sample` results found, most frequent first, shown
    without counts (as JD and Taobao do), so the cost does not grow with the catalog.
    `revision`: the catalog revision, read before `choices` (else read here)."""
    data = filterset.data.copy() if filterset.data is not None else QueryDict(mutable=True)
    cleaned = filterset.form.cleaned_data
    names = [name for name in GROUPED_BY if name in filterset.filters] + ["price"]
    chosen = [name for name in names if any(data.get(p) for p in FACET_PARAMS[name])]
    # Every filter asked, hidden ones too (a landing's `q` picks its products), and the
    # sort (a search sorted by price counts every match, by best match those it ranks).
    asked = [(name, data.getlist(name)) for name in ProductFilter.base_filters]
    key = cache_key(
        "facet-counts",
        revision or catalog_revision(),
        path,
        ",".join(hide),
        repr(asked),
        str(sample),
    )
    stored = cache.get(key)
    if stored is not None:
        tallies, expires = stored
    else:
        tallies = {}
        if unchosen := [name for name in names if name not in chosen]:
            # The page's own results (a search's ranked matches already picked), unordered.
            results = _distinct_by_id(filterset.qs.order_by())
            tallies.update(_tally(_first(results, sample), unchosen))
        for name in chosen:
            results = _results_without(products, data, name, choices=choices, hide=hide)
            tallies.update(_tally(_first(results, sample), [name]))
        expires = timezone.now() + timedelta(seconds=settings.FACET_COUNTS_SECONDS)
        cache.set(key, (tallies, expires), settings.FACET_COUNTS_SECONDS)
    good_until(expires)  # the page showing them is rendered again from then on
    labels = {
        "category": (_("Category"), choices["category"]),
        "county": (
            _("County"),
            [county for _slug, _name, group in choices["county_groups"] for county in group],
        ),
    }
    facets = [
        _slug_facet(
            name,
            labels[name][0],
            labels[name][1],
            tallies[name],
            path,
            data,
            cleaned.get(name) or None,
        )
        for name in names
        if name in GROUPED_BY
    ]
    facets.append(_price_facet(tallies["price"], path, data, cleaned))
    return [replace(facet, counted=False) if sample else facet for facet in facets if facet.values]

"""Suggestions while a shopper types in the header's search box: a few products, the
categories and counties whose names or pinyin start like the query, and the keyword
landings it begins.

Products cost two queries, each with a LIMIT: up to MAX_RANKED_SUGGESTIONS matches,
those named so first (catalog/search/query.py), then the best of them. Categories, counties and landings are few and
change rarely: they are read once per catalog revision into a cached list (with every
name they may be typed as), so a keystroke spends no query on them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.http import urlencode

from catalog import selectors
from catalog.models import Category, County, Product
from catalog.models.products import SOLD_OUT
from catalog.revision import cached_value
from catalog.search import normalise_keyword
from catalog.search.chinese import pinyin_tokens
from catalog.search.query import search_products
from core.names import BilingualNameMixin

MAX_QUERY_LENGTH = 100  # as the listing's keyword filter (catalog/filters.py)
MAX_PRODUCTS = 5
MAX_PLACES = 4  # categories, and counties, each
MAX_LANDINGS = 3
# One Latin letter starts a word in nearly every product: ranking them all to show five
# takes most of a second at 20,000 products, and says little. From the second letter on
# products are suggested (a Chinese character is enough).
MIN_LATIN_FOR_PRODUCTS = 2
LATIN_WORD = re.compile(r"[0-9a-z]+")


@dataclass(frozen=True)
class Named(BilingualNameMixin):
    """A category or a county as the suggestions match it (`name`: in the shopper's
    language)."""

    slug: str
    name_zh: str
    name_en: str
    url: str
    # The Chinese name folded as queries are (normalise_keyword), to find the query in.
    folded_zh: str = ""
    # What the shopper may type the start of: from the name's start (the English name,
    # the pinyin from the first character), and from further in (its other English
    # words, the pinyin from each later character).
    heads: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()

    def rank(self, keyword: str, squeezed: str) -> int | None:
        """0: the query starts the name; 1: it starts a later part of it; None: no match."""
        starts = (keyword, squeezed)
        if self.folded_zh.startswith(keyword) or any(h.startswith(starts) for h in self.heads):
            return 0
        if keyword in self.folded_zh or any(p.startswith(starts) for p in self.prefixes):
            return 1
        return None


@dataclass(frozen=True)
class Suggestions:
    query: str
    products: list[Product] = field(default_factory=list)
    categories: list[Named] = field(default_factory=list)
    counties: list[Named] = field(default_factory=list)
    landings: list[tuple[str, str]] = field(default_factory=list)  # (keyword, url)

    @property
    def count(self) -> int:
        return len(self.products) + len(self.categories) + len(self.counties) + len(self.landings)


def _named(row: Category | County, url: str) -> Named:
    english = normalise_keyword(row.name_en)
    pinyin = pinyin_tokens(row.name_zh)
    later = set(pinyin_tokens(row.name_zh[1:]))
    heads = [english, english.replace(" ", ""), *(t for t in pinyin if t not in later)]
    return Named(
        slug=row.slug,
        name_zh=row.name_zh,
        name_en=row.name_en,
        url=url,
        folded_zh=normalise_keyword(row.name_zh),
        heads=tuple(dict.fromkeys(heads)),
        prefixes=tuple(dict.fromkeys([*LATIN_WORD.findall(english), *later])),
    )


def _matching(rows: list[Named], keyword: str, squeezed: str) -> list[Named]:
    """The rows matching, those the query starts first, at most MAX_PLACES."""
    ranked = [(rank, row) for row in rows if (rank := row.rank(keyword, squeezed)) is not None]
    return [row for _rank, row in sorted(ranked, key=lambda pair: pair[0])][:MAX_PLACES]


def _places() -> dict[str, list[Named]]:
    """Every category and county with the names they match by (two queries)."""
    return {
        "categories": [_named(c, c.get_absolute_url()) for c in Category.objects.all()],
        "counties": [
            _named(c, c.get_absolute_url())
            for c in County.objects.order_by("prefecture__position", "name_en")
        ],
    }


def _landing_keywords() -> list[str]:
    return list(selectors.active_landings().order_by("keyword").values_list("keyword", flat=True))


def search_url(keyword: str) -> str:
    return f"{reverse('catalog:search')}?{urlencode({'q': keyword})}"


# Of a broad query, the products ranked for the box: those named so first.
MAX_RANKED_SUGGESTIONS = 200


def suggest(query: str | None) -> Suggestions:
    """What to suggest for what the shopper has typed so far: nothing for an empty query;
    else at most MAX_PRODUCTS products (one query; none for a single Latin letter), and
    from the cached lists the categories and counties whose Chinese name holds it or
    whose English or pinyin starts with it, and the landings whose keyword starts
    with it."""
    query = (query or "")[:MAX_QUERY_LENGTH]
    keyword = normalise_keyword(query)
    if not keyword:
        return Suggestions(query=query)
    squeezed = keyword.replace(" ", "")  # "zi gui" is typed for 秭归 too
    places = cached_value("suggest-places-v2", _places)
    landings = cached_value("suggest-landings-v1", _landing_keywords)
    products = []
    if not (squeezed.isascii() and len(squeezed) < MIN_LATIN_FOR_PRODUCTS):
        products = list(
            search_products(selectors.visible_products(), query, most=MAX_RANKED_SUGGESTIONS)
            .select_related("origin_county")
            .only("slug", "name", "name_en", "origin_county__name_zh", "origin_county__name_en")
            .order_by("-search_rank", SOLD_OUT, "-units_sold", "-id")[:MAX_PRODUCTS]
        )
    return Suggestions(
        query=query,
        products=products,
        categories=_matching(places["categories"], keyword, squeezed),
        counties=_matching(places["counties"], keyword, squeezed),
        landings=[(k, search_url(k)) for k in landings if k.startswith(keyword)][:MAX_LANDINGS],
    )

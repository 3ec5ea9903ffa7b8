"""Suggestions while a shopper types in the header's search box: a few products, the
categories and counties whose names or pinyin start like the query, and the keyword
landings it begins.

Products cost one query with a LIMIT. Categories, counties and landings are few and
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
    # What the shopper may type the start of: the English name and its words, and the
    # pinyin (full syllables and initials) from each character of the Chinese name.
    prefixes: tuple[str, ...] = ()

    def matches(self, keyword: str, squeezed: str) -> bool:
        if keyword in self.folded_zh:
            return True
        return any(prefix.startswith((keyword, squeezed)) for prefix in self.prefixes)


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


def _prefixes(name_zh: str, name_en: str) -> tuple[str, ...]:
    english = normalise_keyword(name_en)
    words = LATIN_WORD.findall(english)
    return tuple(
        dict.fromkeys([english, english.replace(" ", ""), *words, *pinyin_tokens(name_zh)])
    )


def _named(row: Category | County, url: str) -> Named:
    return Named(
        slug=row.slug,
        name_zh=row.name_zh,
        name_en=row.name_en,
        url=url,
        folded_zh=normalise_keyword(row.name_zh),
        prefixes=_prefixes(row.name_zh, row.name_en),
    )


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


def suggest(query: str | None) -> Suggestions:
    """What to suggest for what the shopper has typed so far: nothing for an empty query;
    else at most MAX_PRODUCTS products (one query), and from the cached lists the
    categories and counties whose Chinese name holds it or whose English or pinyin
    starts with it, and the landings whose keyword starts with it."""
    query = (query or "")[:MAX_QUERY_LENGTH]
    keyword = normalise_keyword(query)
    if not keyword:
        return Suggestions(query=query)
    squeezed = keyword.replace(" ", "")  # "zi gui" is typed for 秭归 too
    places = cached_value("suggest-places-v1", _places)
    landings = cached_value("suggest-landings-v1", _landing_keywords)
    products = list(
        search_products(selectors.visible_products(), query)
        .select_related("origin_county")
        .only("slug", "name", "name_en", "origin_county__name_zh", "origin_county__name_en")
        .order_by("-search_rank", SOLD_OUT, "-units_sold", "-id")[:MAX_PRODUCTS]
    )
    return Suggestions(
        query=query,
        products=products,
        categories=[c for c in places["categories"] if c.matches(keyword, squeezed)][:MAX_PLACES],
        counties=[c for c in places["counties"] if c.matches(keyword, squeezed)][:MAX_PLACES],
        landings=[(k, search_url(k)) for k in landings if k.startswith(keyword)][:MAX_LANDINGS],
    )

"""Staff's synonyms (SearchSynonym): words shoppers use for the same thing, in either
language. They are read when a query is, never written into products, so a change in
the admin takes effect on the next search (the catalog revision the groups are cached
under changes with every save)."""

from __future__ import annotations

from catalog.models import SearchSynonym
from catalog.revision import cached_value
from catalog.search import parse_terms

# The zone's common ones, seeded by migration 0015 (staff edit them in the admin).
ZONE_SYNONYMS = [
    ("橙子, 脐橙, orange, oranges, navel orange", "Zigui and Xingshan navel oranges"),
    ("龙虾, 小龙虾, crayfish, crawfish", "Qianjiang crayfish"),
    ("土鸡蛋, 鸡蛋, egg, eggs", "free-range eggs"),
    ("茶, 茶叶, tea", "Enshi and Yichang tea"),
    ("热干面, 干面, hot dry noodles", "Wuhan noodles"),
    ("莲藕, 藕, lotus root", "Honghu lotus root"),
    ("香菇, 蘑菇, mushroom, mushrooms, shiitake", "Suizhou mushrooms"),
    ("猕猴桃, 奇异果, kiwi, kiwifruit", "kiwifruit"),
    ("大米, rice", "Jingshan and Jianli rice"),
    ("腊肉, 腊味, cured meat, bacon", "Enshi cured pork"),
]


def _load_groups() -> dict[str, tuple[str, ...]]:
    index: dict[str, tuple[str, ...]] = {}
    for text in SearchSynonym.objects.filter(is_active=True).values_list("terms", flat=True):
        group = tuple(parse_terms(text))
        if len(group) < 2:
            continue
        for term in group:  # a term in two groups gets both groups' words
            index[term] = tuple(dict.fromkeys([*index.get(term, ()), *group]))
    return index


def synonym_groups() -> dict[str, tuple[str, ...]]:
    """Term -> every term meaning the same (itself included), cached by revision."""
    return cached_value("search-synonyms-v1", _load_groups)


def seed_zone_synonyms() -> int:
    """The zone's common synonyms, when staff have none (a new or flushed database);
    returns how many were added."""
    if SearchSynonym.objects.exists():
        return 0
    created = SearchSynonym.objects.bulk_create(
        SearchSynonym(terms=terms, note=note) for terms, note in ZONE_SYNONYMS
    )
    return len(created)

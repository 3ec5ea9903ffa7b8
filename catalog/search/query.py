"""Reading a shopper's query: which products match it and how well.

A query is split into *words*: Latin words, runs of Chinese characters, and the phrases
staff declared synonyms (catalog/search/synonyms.py). A product matches when it matches
every word; a word matches in any of its ways:

- *directly*: the product's search document holds it (a Latin word as the start of a
  word, a Chinese run as all of its characters or bigrams);
- *by pinyin*, for a Latin word of two letters or more: a pinyin token of the product's
  Chinese names starts with it (`qicheng`, `qc`, `zgqc`; see catalog/search/chinese.py);
- *by synonym*: the product matches, directly, another term of the word's group
  (橙子 finds 脐橙 and "navel oranges").

On PostgreSQL all of that is one full-text query over one GIN index: the stored column
`search_vector` holds each token as a lexeme, those of the pinyin marked `~` and those of
the product's own names marked `^` (migration 0019), so `~qc:*` reads only pinyin and
the index never re-checks a row's vector (as it must for weights). Elsewhere each way is
a LIKE.

A search matching more products than `settings.SEARCH_MAX_RANKED` (a broad `茶` in a
large catalog) ranks the first so many it finds, those whose names match every word
first (`ranked_candidates`): its cost stays bounded whatever the catalog's size, and a
shopper pages through at most that many (as on Taobao and JD, who stop at 100 pages).
A sort the shopper chooses (price, newest) orders every match.

`search_rank` orders what matched: the product named exactly the query, then names
containing it, then, word by word, a direct match in the name over one elsewhere over a
pinyin the name spells over a synonym in the name over pinyin elsewhere over a synonym
elsewhere. So a pinyin reading never outranks an English word (`tea` lists tea first),
and exact matches come first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import BooleanField, Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from catalog.models import Product
from catalog.revision import (
    LISTINGS_KEY,
    PRICES_KEY,
    REVISION_KEY,
    cache_key,
    catalog_revision,
    current_tokens,
)
from catalog.search import (
    CJK_RUN,
    LATIN_WORD,
    MAX_QUERY_TERMS,
    MAX_TERM_LENGTH,
    MAX_TERM_WORDS,
    MAX_TERMS,
    normalise_keyword,
    query_terms,
)
from catalog.search.synonyms import synonym_groups

MIN_PINYIN = 2
# What a word adds to search_rank, by how it matched (see the module's docstring).
PHRASE_IS_NAME = 600
PHRASE_IN_NAME = 500
DIRECT_IN_NAME = 40
DIRECT = 30
PINYIN_IN_NAME = 28
SYNONYM_IN_NAME = 25
PINYIN = 20
PINYIN_PHRASE = 100
SYNONYM = 10


@dataclass(frozen=True)
class QueryWord:
    """One word of a query and the other terms meaning the same (staff's synonyms)."""

    text: str
    synonyms: tuple[str, ...] = ()

    @property
    def reads_as_pinyin(self) -> bool:
        return len(self.text) >= MIN_PINYIN and self.text.isascii() and self.text.isalpha()


def _claim_synonyms(phrase: str, groups: dict[str, tuple[str, ...]]) -> list[tuple[int, str]]:
    """The words of `phrase` as (position, text), staff's synonym terms claimed as one
    word each: the longest at each place, among up to MAX_TERM_WORDS Latin words in a
    row or, inside a run of Chinese characters, up to MAX_TERM_LENGTH characters (a
    one-character term only as a whole run). Hash lookups: linear in the query, however
    many synonyms staff keep."""
    pieces = [
        (match.start(), match.group())
        for match in re.finditer(rf"{LATIN_WORD.pattern}|{CJK_RUN.pattern}", phrase)
    ]
    words, index = [], 0
    while index < len(pieces):
        start, text = pieces[index]
        if not CJK_RUN.fullmatch(text):
            for end in range(min(len(pieces), index + MAX_TERM_WORDS), index, -1):
                latin = [piece for _at, piece in pieces[index:end]]
                joined = " ".join(latin)
                if all(LATIN_WORD.fullmatch(piece) for piece in latin) and joined in groups:
                    words.append((start, joined))
                    index = end
                    break
            else:
                words.append((start, text))
                index += 1
            continue
        if text in groups:  # a whole run, one character or more
            words.append((start, text))
            index += 1
            continue
        plain_from = at = 0
        while at < len(text):
            longest = min(MAX_TERM_LENGTH, len(text) - at)
            term = next(
                (
                    text[at : at + size]
                    for size in range(longest, 1, -1)
                    if text[at : at + size] in groups
                ),
                None,
            )
            if term is None:
                at += 1
                continue
            if at > plain_from:
                words.append((start + plain_from, text[plain_from:at]))
            words.append((start + at, term))
            at = plain_from = at + len(term)
        if plain_from < len(text):
            words.append((start + plain_from, text[plain_from:]))
        index += 1
    return words


def query_words(query: str | None) -> list[QueryWord]:
    """The words of `query` in the order typed, each with its synonyms."""
    phrase = normalise_keyword(query)
    groups = synonym_groups() if phrase else {}
    words = []
    for _start, text in _claim_synonyms(phrase, groups):
        others = tuple(term for term in groups.get(text, ()) if term != text)
        words.append(QueryWord(text, others[:MAX_TERMS]))
    return list(dict.fromkeys(words))[:MAX_QUERY_TERMS]


# -- how one term matches, as LIKEs (SQLite's match, and everyone's ranking) ----------


def _token(token: str) -> Q:
    """The document holds `token`: a Latin one as the start of a word (`tea`, not the
    middle of `steamed`), a Chinese character or bigram whole."""
    if token.isascii():
        return Q(search_document__startswith=token) | Q(search_document__contains=f" {token}")
    return Q(search_document__contains=token)


def _direct(term: str) -> Q:
    tokens = query_terms(term)
    if not tokens:
        return Q(pk__in=[])
    return reduce(and_, map(_token, tokens))


def _in_name(term: str) -> Q:
    """The name holds `term`: Latin at the start of a word of it, Chinese anywhere."""
    if LATIN_WORD.fullmatch(term.replace(" ", "")):  # LIKEs: a regex per row costs more
        return (
            Q(name_en__istartswith=term)
            | Q(name_en__icontains=f" {term}")
            | Q(name__istartswith=term)
            | Q(name__icontains=f" {term}")
        )
    return Q(name__icontains=term) | Q(name_en__icontains=term)


def _pinyin(text: str, field: str = "search_pinyin") -> Q:
    return Q(**{f"{field}__startswith": text}) | Q(**{f"{field}__contains": f" {text}"})


def pinyin_phrases(words: list[QueryWord]) -> list[str]:
    """Runs of two or more words that may be pinyin typed with spaces, joined: `qi
    cheng` -> qicheng. A product spelling the run as one ranks above one matching each
    syllable somewhere (脐橙 over 柑橘's rarer reading qianju with 夏橙's cheng)."""
    phrases, run = [], []
    for word in [*words, None]:
        if word is not None and word.reads_as_pinyin and not word.synonyms:
            run.append(word.text)
            continue
        if len(run) > 1:
            phrases.append("".join(run))
        run = []
    return phrases


def _word_matches(word: QueryWord) -> Q:
    ways = [_direct(word.text), *(_direct(term) for term in word.synonyms)]
    if word.reads_as_pinyin:
        ways.append(_pinyin(word.text))
    return reduce(or_, ways)


def _word_rank(word: QueryWord) -> Case:
    whens = [When(_in_name(word.text), then=Value(DIRECT_IN_NAME))]
    whens.append(When(_direct(word.text), then=Value(DIRECT)))
    if word.reads_as_pinyin:
        whens.append(When(_pinyin(word.text, "name_pinyin"), then=Value(PINYIN_IN_NAME)))
    if word.synonyms:
        whens.append(When(reduce(or_, map(_in_name, word.synonyms)), then=Value(SYNONYM_IN_NAME)))
    if word.reads_as_pinyin:
        whens.append(When(_pinyin(word.text), then=Value(PINYIN)))
    return Case(*whens, default=Value(SYNONYM), output_field=IntegerField())


# -- PostgreSQL: the same as one tsquery over the stored tokens ----------------------


# PostgreSQL's generated column (migration 0019), not a field of the model, its index,
# and how a token says where it is from.
SEARCH_VECTOR_COLUMN = "search_vector"
SEARCH_VECTOR_INDEX = "product_search_vector_gin"
PINYIN_MARK = "~"
NAME_MARK = "^"


def _lexeme(token: str, *, prefix: bool) -> str:
    """`token` as a tsquery operand, quoted (never parsed again); `prefix`: or any token
    it begins."""
    quoted = "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted + ":*" if prefix else quoted


def _tsquery_direct(term: str, mark: str) -> str | None:
    tokens = [_lexeme(mark + token, prefix=token.isascii()) for token in query_terms(term)]
    return "(" + " & ".join(tokens) + ")" if tokens else None


def _tsquery(words: list[QueryWord], *, in_name: bool = False) -> str:
    """Every word, directly, by a synonym or by pinyin; `in_name`: in the product's own
    names."""
    mark = NAME_MARK if in_name else ""
    parts = []
    for word in words:
        ways = [_tsquery_direct(term, mark) for term in (word.text, *word.synonyms)]
        if word.reads_as_pinyin:
            ways.append(_lexeme(mark + PINYIN_MARK + word.text, prefix=True))
        parts.append("(" + " | ".join(way for way in ways if way) + ")")
    return " & ".join(parts)


def _tsquery_filter(tsquery: str) -> RawSQL:
    column = f'"{Product._meta.db_table}"."{SEARCH_VECTOR_COLUMN}"'
    return RawSQL(  # noqa: S611 (the column is a constant; the query is a parameter)
        f"{column} @@ %s::tsquery", [tsquery], output_field=BooleanField()
    )


# -- which products match, and which are ranked -------------------------------------


def _in_name_or_pinyin(word: QueryWord) -> Q:
    ways = [_in_name(term) for term in (word.text, *word.synonyms)]
    if word.reads_as_pinyin:
        ways.append(_pinyin(word.text, "name_pinyin"))
    return reduce(or_, ways)


def _matching(queryset: QuerySet[Product], words: list[QueryWord]) -> QuerySet[Product]:
    if connection.vendor == "postgresql":
        return queryset.filter(_tsquery_filter(_tsquery(words)))
    return queryset.filter(reduce(and_, map(_word_matches, words)))


def _matching_in_name(
    queryset: QuerySet[Product], words: list[QueryWord], *, in_name: bool
) -> QuerySet[Product]:
    """The matches whose own names match every word (`in_name`), or the others."""
    if connection.vendor == "postgresql":
        named = _tsquery(words, in_name=True)
        if in_name:
            return queryset.filter(_tsquery_filter(f"({_tsquery(words)}) & ({named})"))
        # The others: the index finds the matches, the rows found are checked for the
        # names. One tsquery `matches & !named` made the planner give up on the index
        # for the table (100 ms for `qicheng` at 20,000 products; see _through_the_index).
        return queryset.filter(_tsquery_filter(_tsquery(words))).exclude(_tsquery_filter(named))
    named = reduce(and_, map(_in_name_or_pinyin, words))
    return _matching(queryset, words).filter(named if in_name else ~named)


INDEX_ONLY = (
    "SELECT set_config('enable_seqscan', 'off', true), "
    "set_config('enable_indexscan', 'off', true), "
    "set_config('plan_cache_mode', 'force_custom_plan', true), "
    "set_config('cpu_operator_cost', '0.025', true)"
)
AS_BEFORE = (  # PostgreSQL's defaults
    "SELECT set_config('enable_seqscan', 'on', true), "
    "set_config('enable_indexscan', 'on', true), "
    "set_config('plan_cache_mode', 'auto', true), "
    "set_config('cpu_operator_cost', '0.0025', true)"
)


@contextmanager
def _through_the_index(cursor: CursorWrapper) -> Iterator[None]:
    """On PostgreSQL, the statements run inside read the full-text index, not the
    table. With a LIMIT the planner reads a broad query's rows one by one, decompressing
    each vector (its costs charge nothing for that): 150 ms for 龙虾 at 200,000 products,
    against 34 through the index. Planned for each query's own words, too: a statement
    run five times is prepared (DATABASE_PREPARE_THRESHOLD), and its generic plan, made
    without knowing the words, took 0.5 s for `crayfsh`. SET LOCAL, set back after (a
    caller's transaction goes on as it was). And with each row's `@@` costed at ten
    times PostgreSQL's default (cpu_operator_cost), for the same reason: otherwise it
    read every published row of 20,000 products through the status index to find the
    1,134 of `qicheng` not named so (100 ms, against 15 through the full-text index).
    And with no plain index scan: at 1,000,000 products it walked the status index in
    name order, checking each row, for `orange` (2 s, against 250 ms through the
    full-text index's bitmap)."""
    if cursor.db.vendor != "postgresql":
        yield
    elif cursor.db.in_atomic_block:
        cursor.execute(INDEX_ONLY)
        yield
        cursor.execute(AS_BEFORE)
    else:
        with transaction.atomic(using=cursor.db.alias):
            cursor.execute(INDEX_ONLY)
            yield


def ranked_candidates(queryset: QuerySet[Product], words: list[QueryWord], most: int) -> list[int]:
    """The ids of up to `most` products of `queryset` matching `words`, those whose
    names match first, each set as the database finds them: unsorted, so a broad query
    stops reading at `most`, and the second set is read only when the first falls
    short. One query (on PostgreSQL, two more: `_through_the_index`).

    Kept in the cache (SEARCH_CANDIDATES_SECONDS at most) by the query's SQL, the
    catalog revision and the listings token: the full-text index reads every match of a
    broad word before the first row (250 ms for `orange` at 1,000,000 products), and
    the shoppers typing the same word share that until a product is created, shown,
    hidden or renamed (or repriced, for a search filtered by price: catalog/revision.py),
    when they are read again."""
    sql, params = _candidates_sql(queryset, words, most)
    found = cache.get_many([REVISION_KEY, LISTINGS_KEY, PRICES_KEY])  # one round trip
    revision = found.get(REVISION_KEY) or catalog_revision()
    # Filtered by price (catalog/filters.py): the prices token too.
    tokens = [LISTINGS_KEY, PRICES_KEY] if "shown_price" in queryset.query.annotations else []
    tokens = current_tokens(tokens or [LISTINGS_KEY], found)
    key = cache_key("search-candidates", revision, *tokens.values(), sql, repr(params))
    found = cache.get(key)
    if found is None:
        with connections[queryset.db].cursor() as cursor, _through_the_index(cursor):
            cursor.execute(sql, params)
            found = [pk for (pk,) in cursor.fetchall()]
        cache.set(key, found, settings.SEARCH_CANDIDATES_SECONDS)
    return found


def _candidates_sql(
    queryset: QuerySet[Product], words: list[QueryWord], most: int
) -> tuple[str, tuple]:
    named = _matching_in_name(queryset, words, in_name=True).order_by().values("pk")[:most]
    others = _matching_in_name(queryset, words, in_name=False).order_by().values("pk")
    named_sql, named_params = named.query.sql_with_params()
    others_sql, others_params = others[:most].query.sql_with_params()
    sql = (
        f"SELECT pk FROM (SELECT pk FROM ({named_sql}) AS named UNION ALL "
        f"SELECT pk FROM ({others_sql}) AS others) AS candidates LIMIT {int(most)}"
    )
    return sql, (*named_params, *others_params)


def _one_of(ids: list[int]) -> Q | RawSQL:
    """The product is one of `ids`: on PostgreSQL one array parameter (a statement of
    2,400 parameters takes longer to parse and plan than to run)."""
    if connection.vendor != "postgresql":
        return Q(pk__in=ids)
    column = f'"{Product._meta.db_table}"."id"'
    return RawSQL(f"{column} = ANY(%s)", [ids], output_field=BooleanField())  # noqa: S611


def search_products(
    queryset: QuerySet[Product], query: str | None, *, most: int | None = None
) -> QuerySet[Product]:
    """Products of `queryset` matching every word of `query`, with a `search_rank`
    annotation (higher: better) the caller orders by; with `most`, only the ids
    `ranked_candidates` picks, at most that many.

    Returns the queryset unchanged for an empty query, and none for a query with no
    searchable characters (only punctuation, say).
    """
    phrase = normalise_keyword(query)
    if not phrase:
        return queryset
    words = query_words(phrase)
    if not words or not all(query_terms(word.text) for word in words):
        return queryset.none().annotate(search_rank=Value(0, output_field=IntegerField()))
    if most is None:
        queryset = _matching(queryset, words)
    else:
        queryset = queryset.filter(_one_of(ranked_candidates(queryset, words, most)))
    return queryset.annotate(search_rank=search_rank(phrase, words))


def search_rank(phrase: str, words: list[QueryWord]) -> Case:
    """How well a product matches `phrase`, read as `words` (the module's docstring)."""
    phrase_rank = Case(
        When(Q(name__iexact=phrase) | Q(name_en__iexact=phrase), then=Value(PHRASE_IS_NAME)),
        When(_in_name(phrase), then=Value(PHRASE_IN_NAME)),
        default=Value(0),
        output_field=IntegerField(),
    )
    rank = reduce(lambda total, word: total + _word_rank(word), words, phrase_rank)
    for joined in pinyin_phrases(words):
        rank += Case(
            When(_pinyin(joined, "name_pinyin"), then=Value(PINYIN_PHRASE + PINYIN_IN_NAME)),
            When(_pinyin(joined), then=Value(PINYIN_PHRASE)),
            default=Value(0),
        )
    return rank

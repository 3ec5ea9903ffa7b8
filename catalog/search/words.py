"""The dictionary of words products use, which a misspelt Latin word is corrected
against (SearchWord)."""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection, transaction
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from catalog.models import Product, SearchWord
from catalog.revision import cached_value

MIN_DICTIONARY_WORD = 3


def dictionary_words(document: str) -> set[str]:
    """The Latin words of a search document a misspelling may be corrected to."""
    return {
        token
        for token in document.split()
        if len(token) >= MIN_DICTIONARY_WORD and token.isascii() and token.isalpha()
    }


def record_search_words(documents: Iterable[str]) -> None:
    """Add the words of `documents` to the dictionary typos are corrected against."""
    words: set[str] = set()
    for document in documents:
        words |= dictionary_words(document)
    SearchWord.objects.bulk_create(
        [SearchWord(word=word[:60]) for word in sorted(words)],
        ignore_conflicts=True,
        batch_size=1000,
    )


# -- correcting a misspelt word ------------------------------------------------------

# Only words this long are corrected (shorter ones are too often another real word),
# by at most one edit up to SHORT_WORD letters and two beyond (Damerau: a swap of two
# neighbours, `oragne`, is one edit).
MIN_CORRECTED = 4
SHORT_WORD = 5
MAX_EDITS = 2
# pg_trgm's similarity floor for candidates: `oragne` and `orange` share only 3 of
# their 11 trigrams (0.27), below pg_trgm's default 0.3.
TRIGRAM_FLOOR = 0.2
CANDIDATES = 40


def correctable(word: str) -> bool:
    return len(word) >= MIN_CORRECTED and word.isascii() and word.isalpha()


def allowed_edits(word: str) -> int:
    return 1 if len(word) <= SHORT_WORD else MAX_EDITS


def _trigram_candidates(word: str) -> list[tuple[str, int]]:
    """Dictionary words like `word` by pg_trgm (the `%` operator, on the GIN trigram
    index of migration 0015), most similar first."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(  # SET LOCAL, as a function that takes a parameter
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(TRIGRAM_FLOOR)]
        )
        return list(
            SearchWord.objects.filter(word__trigram_similar=word)
            .annotate(similarity=TrigramSimilarity("word", word))
            .order_by("-similarity", "-products", "word")
            .values_list("word", "products")[:CANDIDATES]
        )


def _all_words() -> list[str]:
    return sorted(SearchWord.objects.values_list("word", flat=True))


def _fuzzy_candidates(word: str) -> list[tuple[str, int]]:
    """The same without pg_trgm (SQLite): every dictionary word, cached until the
    catalog changes, scored by rapidfuzz."""
    words = cached_value("search-words-v1", _all_words)
    start = bisect.bisect_left(words, word)
    if start < len(words) and words[start].startswith(word):
        return [(words[start], 0)]  # a known word, or the start of one
    found = process.extract(
        word, words, scorer=OSA.distance, score_cutoff=MAX_EDITS, limit=CANDIDATES
    )
    return [(candidate, 0) for candidate, _distance, _index in found]


def close_words(word: str) -> list[str] | None:
    """Dictionary words `word` may be a misspelling of, best first; None when `word` is
    one, or the start of one (nothing to correct)."""
    if connection.vendor == "postgresql":
        candidates = _trigram_candidates(word)
    else:
        candidates = _fuzzy_candidates(word)
    if any(candidate.startswith(word) for candidate, _products in candidates):
        return None
    scored = []
    for candidate, products in candidates:
        edits = OSA.distance(word, candidate)
        if edits <= MAX_EDITS:
            scored.append((edits, -fuzz.ratio(word, candidate), -products, candidate))
    return [candidate for *_ranks, candidate in sorted(scored)]


def corrected_words(texts: list[str]) -> list[str]:
    """`texts` (a query's words) with each misspelt word replaced by its closest
    dictionary word within its allowed edits; unknown words with none kept as typed."""
    corrected = []
    for text in texts:
        close = close_words(text) if correctable(text) else None
        best = close[0] if close else None
        fits = best is not None and OSA.distance(text, best) <= allowed_edits(text)
        corrected.append(best if fits else text)
    return corrected


def alternative_words(texts: list[str], limit: int = 3) -> list[list[str]]:
    """Up to `limit` other spellings of `texts`, each replacing one word by a close
    dictionary word (for "did you mean"), best first."""
    alternatives = []
    for position, text in enumerate(texts):
        for candidate in (close_words(text) if correctable(text) else None) or []:
            alternatives.append([*texts[:position], candidate, *texts[position + 1 :]])
    return alternatives[:limit]


def rebuild_search_words(batch_size: int = 2000) -> int:
    """Recount the dictionary from the published products' documents: each word's
    product count (corrections prefer common words), words no product uses any more
    dropped, missing ones added. Beat runs it nightly; returns the dictionary's size."""
    counts: Counter[str] = Counter()
    documents = Product.objects.filter(status=Product.Status.PUBLISHED).values_list(
        "search_document", flat=True
    )
    for document in documents.iterator(chunk_size=batch_size):
        counts.update(word[:60] for word in dictionary_words(document))
    with transaction.atomic():
        SearchWord.objects.exclude(word__in=list(counts)).delete()
        SearchWord.objects.bulk_create(
            [SearchWord(word=word, products=count) for word, count in counts.items()],
            update_conflicts=True,
            unique_fields=["word"],
            update_fields=["products"],
            batch_size=batch_size,
        )
    return len(counts)

"""The dictionary of words products use, which a misspelt Latin word is corrected
against (SearchWord)."""

from __future__ import annotations

from collections.abc import Iterable

from catalog.models import SearchWord

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

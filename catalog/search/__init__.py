"""Keyword search in Chinese and English.

Chinese has no spaces and many words are one or two characters (茶, 脐橙, 秭归), so a
product's searchable text is stored as a normalised *search document*: Latin words
lower-cased, and every run of Chinese characters split into single characters and
character bigrams. A query is split the same way: a one-character Chinese query looks
for that character, a longer one for all of its bigrams, a Latin word for any word that
starts with it. On PostgreSQL the document is matched with full-text search (`simple`
configuration, one GIN index on a stored vector of the tokens: see migration 0019);
elsewhere each term is a plain LIKE.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from catalog.search.chinese import pinyin_document, to_simplified

if TYPE_CHECKING:  # at run time a cycle: catalog.models.landing imports this module
    from catalog.models import Product

CJK_RUN = re.compile(r"[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]+")
LATIN_WORD = re.compile(r"[0-9a-z]+")
DIGITS_OR_LETTERS = re.compile(r"[0-9]+|[a-z]+")
MAX_QUERY_TERMS = 12
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def normalise_keyword(text: str | None) -> str:
    """Fold width, case and accents, collapse spaces: "  Help　HUBEI " -> "help hubei",
    "Zǐguī" -> "zigui". Control characters (NUL…) count as spaces: `?q=orange%00` is a
    search for "orange"."""
    text = CONTROL.sub(" ", text or "")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = to_simplified(unicodedata.normalize("NFKC", text).casefold())
    return " ".join(text.split())


# What a synonym group may hold (SearchSynonym.clean says so): terms, each of at most
# this many characters and Latin words; a term without Chinese needs two characters.
MAX_TERMS = 12
MAX_TERM_LENGTH = 30
MAX_TERM_WORDS = 4
TERM_SEPARATORS = re.compile(r"[,，、;；\n]+")


def parse_terms(text: str | None) -> list[str]:
    """The distinct, normalised terms of a list staff typed ("橙子，脐橙, Orange")."""
    terms = (normalise_keyword(part) for part in TERM_SEPARATORS.split(text or ""))
    return list(dict.fromkeys(term for term in terms if term))


def _cjk_bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def document_tokens(text: str | None) -> list[str]:
    """Every token a search document holds for `text`, in order, without repeats."""
    text = normalise_keyword(text)
    tokens = []
    for word in LATIN_WORD.findall(text):
        tokens.append(word)
        parts = DIGITS_OR_LETTERS.findall(word)
        if len(parts) > 1:  # "5kg" is also found by "5 kg"
            tokens.extend(parts)
    for run in CJK_RUN.findall(text):
        tokens.extend(run)
        tokens.extend(_cjk_bigrams(run))
    return list(dict.fromkeys(tokens))


def build_search_document(*texts: str | None) -> str:
    tokens: list[str] = []
    for text in texts:
        tokens.extend(document_tokens(text))
    return " ".join(dict.fromkeys(tokens))


def query_terms(query: str | None) -> list[str]:
    """The tokens a product must hold to match `query` (all of them)."""
    text = normalise_keyword(query)
    terms = LATIN_WORD.findall(text)
    for run in CJK_RUN.findall(text):
        terms.extend([run] if len(run) == 1 else _cjk_bigrams(run))
    return list(dict.fromkeys(terms))[:MAX_QUERY_TERMS]


def product_search_document(product: Product) -> str:
    """The search document of one product; needs vendor, category and county loaded."""
    county = product.origin_county
    category = product.category
    texts = [
        product.name,
        product.name_en,
        product.origin_label,
        product.origin_label_en,
        product.description,
        product.description_en,
        product.vendor.name,
        product.vendor.name_en,
        category.name_en,
        category.name_zh,
        county.name_en,
        county.name_zh,
        county.prefecture.name_en,
        county.prefecture.name_zh,
    ]
    if category.parent_id:
        texts += [category.parent.name_en, category.parent.name_zh]
    return build_search_document(*texts)


def product_search_pinyin(product: Product) -> str:
    """The pinyin a shopper may type for the product's Chinese names (its own, its
    shop's, county's, prefecture's and category's): Product.search_pinyin."""
    county = product.origin_county
    category = product.category
    texts = [product.name, product.vendor.name, category.name_zh, county.name_zh]
    texts.append(county.prefecture.name_zh)
    if category.parent_id:
        texts.append(category.parent.name_zh)
    return pinyin_document(*texts)


def fill_search_fields(product: Product) -> None:
    """Set the product's search document and search pinyin from its current names
    (needs vendor, category and county loaded); the caller saves, then passes the
    documents to `record_search_words`."""
    product.search_document = product_search_document(product)
    product.search_pinyin = product_search_pinyin(product)
    product.name_pinyin = pinyin_document(product.name)
    product.search_name = build_search_document(product.name, product.name_en)


SEARCH_FIELDS = ["search_document", "search_pinyin", "name_pinyin", "search_name"]

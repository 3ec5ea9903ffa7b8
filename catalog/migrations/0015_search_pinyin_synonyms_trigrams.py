"""Search that forgives (catalog/search/query.py):

- on PostgreSQL, one GIN index on the weighted document the queries read (search words
  weighted A, pinyin B), replacing 0002's index on the words alone, and pg_trgm with a
  trigram index on the dictionary of words, for misspellings;
- existing products get their pinyin and their words recorded in the dictionary;
- the zone's common synonyms are seeded (staff edit them in the admin).
"""

from django.db import migrations

from catalog.search import fill_search_fields
from catalog.search.synonyms import ZONE_SYNONYMS
from catalog.search.words import dictionary_words

WEIGHTED = (
    "(setweight(to_tsvector('simple'::regconfig, COALESCE(search_document, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, COALESCE(search_pinyin, '')), 'B'))"
)
CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX IF NOT EXISTS product_search_weighted_fts ON catalog_product USING gin ({WEIGHTED})",
    "DROP INDEX IF EXISTS product_search_document_fts",
    "CREATE INDEX IF NOT EXISTS searchword_word_trgm ON catalog_searchword "
    "USING gin (word gin_trgm_ops)",
]
DROP = [
    "DROP INDEX IF EXISTS searchword_word_trgm",
    "CREATE INDEX IF NOT EXISTS product_search_document_fts ON catalog_product "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(search_document, '')))",
    "DROP INDEX IF EXISTS product_search_weighted_fts",
]
BATCH = 500


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


def fill_products_and_synonyms(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    SearchWord = apps.get_model("catalog", "SearchWord")
    SearchSynonym = apps.get_model("catalog", "SearchSynonym")
    products = Product.objects.select_related(
        "vendor", "category__parent", "origin_county__prefecture"
    ).order_by("pk")
    last = 0
    while batch := list(products.filter(pk__gt=last)[:BATCH]):
        words = set()
        for product in batch:
            fill_search_fields(product)
            words |= dictionary_words(product.search_document)
        Product.objects.bulk_update(batch, ["search_document", "search_pinyin"])
        SearchWord.objects.bulk_create(
            [SearchWord(word=word[:60]) for word in sorted(words)], ignore_conflicts=True
        )
        last = batch[-1].pk
    if not SearchSynonym.objects.exists():
        SearchSynonym.objects.bulk_create(
            SearchSynonym(terms=terms, note=note) for terms, note in ZONE_SYNONYMS
        )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0014_search_terms_ratings_units_sold")]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
        migrations.RunPython(fill_products_and_synonyms, migrations.RunPython.noop),
    ]

"""On PostgreSQL, the stored search vector holds every token as a lexeme of its own,
without weights, replacing 0016's weighted one.

GIN keeps no weights, so each query naming them (`tea:*A`, `qc:*B`) re-checked every
matching row, reading its vector: at 200,000 products a broad query re-read tens of
thousands of rows before counting or ranking any. Here the kind of a token is in the
lexeme itself, which GIN answers alone:

- the search document's tokens as they are (`tea`, `茶`, `脐橙`);
- the pinyin's, marked `~` (`~qicheng`, `~qc`);
- the product's own names' (Product.search_name), marked `^`, and their pinyin
  (Product.name_pinyin), marked `^~`, so the products whose names match can be taken
  first (catalog/search/query.py).

The tokens are taken verbatim (array_to_tsvector), not parsed again: they are
normalised when written (catalog/search/__init__.py). PostgreSQL keeps the column in
step with the four fields on every write.
"""

from django.db import migrations

from catalog.search.query import (
    NAME_MARK,
    PINYIN_MARK,
    SEARCH_VECTOR_COLUMN,
    SEARCH_VECTOR_INDEX,
)

WEIGHTED = (
    "setweight(to_tsvector('simple'::regconfig, COALESCE(search_document, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, COALESCE(search_pinyin, '')), 'B')"
)


def _marked(field: str, mark: str) -> str:
    """The space-separated tokens of `field`, each prefixed with `mark`, as an array."""
    if not mark:
        return f"string_to_array(COALESCE({field}, ''), ' ')"
    return (
        f"string_to_array(regexp_replace(COALESCE({field}, ''), '(\\S+)', '{mark}\\1', 'g'), ' ')"
    )


TOKENS = (
    "array_to_tsvector(array_remove("
    + " || ".join(
        [
            _marked("search_document", ""),
            _marked("search_pinyin", PINYIN_MARK),
            _marked("search_name", NAME_MARK),
            _marked("name_pinyin", NAME_MARK + PINYIN_MARK),
        ]
    )
    + ", ''))"
)


def _replace_column(expression: str) -> list[str]:
    return [
        f"DROP INDEX IF EXISTS {SEARCH_VECTOR_INDEX}",
        f"ALTER TABLE catalog_product DROP COLUMN IF EXISTS {SEARCH_VECTOR_COLUMN}",
        f"ALTER TABLE catalog_product ADD COLUMN {SEARCH_VECTOR_COLUMN} tsvector "
        f"GENERATED ALWAYS AS ({expression}) STORED",
        f"CREATE INDEX {SEARCH_VECTOR_INDEX} ON catalog_product USING gin ({SEARCH_VECTOR_COLUMN})",
        "ANALYZE catalog_product",
    ]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in _replace_column(TOKENS):
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in _replace_column(WEIGHTED):
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0018_product_search_name")]

    operations = [migrations.RunPython(forwards, backwards)]

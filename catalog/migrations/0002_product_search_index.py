"""On PostgreSQL, index the search document for full-text search.

The index expression is the one catalog.search builds for its queries
(`to_tsvector('simple', COALESCE(search_document, ''))`), so the planner can use it for
one-, two- and many-character terms alike. SQLite searches with LIKE and needs none.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS product_search_document_fts ON catalog_product "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(search_document, '')))"
)
DROP = "DROP INDEX IF EXISTS product_search_document_fts"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]

"""Database helpers shared by the apps."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db.migrations.operations import AddIndex

# Parameters are bound on the server (settings.py), and PostgreSQL takes at most 65,535 of
# them in one statement: lists of ids that can grow with the audience go in batches.
IDS_PER_STATEMENT = 10_000


def update_by_ids(model, ids, **values):
    """`model.objects.filter(pk__in=ids).update(**values)`, in statements of at most
    IDS_PER_STATEMENT ids; returns the number of rows updated."""
    ids = list(ids)  # call inside a transaction if the batches must land together
    return sum(
        model.objects.filter(pk__in=ids[start : start + IDS_PER_STATEMENT]).update(**values)
        for start in range(0, len(ids), IDS_PER_STATEMENT)
    )


class AddIndexWithoutBlockingWrites(AddIndexConcurrently):
    """AddIndex that lets checkouts go on writing while PostgreSQL builds the index
    (CREATE INDEX CONCURRENTLY: the migration must be `atomic = False`); a plain AddIndex
    on other databases."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)

"""Database helpers shared by the apps."""

from collections.abc import Iterable
from typing import Any

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations import AddIndex
from django.db.migrations.state import ProjectState

# Parameters are bound on the server (settings.py), and PostgreSQL takes at most 65,535 of
# them in one statement: lists of ids that can grow with the audience go in batches.
IDS_PER_STATEMENT = 10_000


def update_by_ids(model: type[models.Model], ids: Iterable[int], **values: Any) -> int:
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

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


def lock_row(model: type[models.Model], pk: int) -> models.Model:
    """The row `pk` of `model`, read again and locked until the transaction ends (FOR
    UPDATE on PostgreSQL; SQLite's write lock serialises writers instead). Call inside
    `transaction.atomic()`. Raises model.DoesNotExist."""
    return model._default_manager.select_for_update().get(pk=pk)


def lock_rows(queryset: models.QuerySet, *, skip_locked: bool = False) -> list:
    """The rows of `queryset`, locked in primary-key order (so two transactions locking
    overlapping rows never wait on each other in a cycle); with skip_locked, rows another
    transaction holds are left out (a second worker takes other rows). Call inside
    `transaction.atomic()`."""
    return list(queryset.select_for_update(skip_locked=skip_locked, of=("self",)).order_by("pk"))

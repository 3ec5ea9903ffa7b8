"""The stream an item was bought from becomes a sales channel that orders owns: a text
("livestream:<id>", "" for the web store) in place of the stream's id, so orders no
longer refers to livestream (orders/channels.py). Schema only, the first of three: the
new column, and its index built without blocking the checkouts' writes (CREATE INDEX
CONCURRENTLY on PostgreSQL, so not atomic); 0022 copies the attribution over, 0023
drops the old columns."""

from django.db import migrations, models
from django.db.backends.utils import names_digest

from core.db import AddIndexWithoutBlockingWrites


def _index_name(table, column):
    """The name Django gives the index of a field with db_index=True (its schema
    editor's `_create_index_name`), so the index built here is the one Django knows:
    SQLite's table rebuilds recreate it under that name, and later AlterFields find it."""
    return f"{table}_{column}_{names_digest(table, column, length=8)}"


# The index the field's db_index=True stands for, built without blocking writes; the
# state keeps the field as the model declares it. (PostgreSQL's second index of an
# indexed CharField, for LIKE 'x%' queries, is left out: nothing filters channels so.)
INDEXES = {
    "cartitem": _index_name("orders_cartitem", "channel"),
    "orderline": _index_name("orders_orderline", "channel"),
}


def _channel(db_index):
    return models.CharField(blank=True, db_index=db_index, max_length=40, verbose_name="livestream")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("orders", "0020_order_line_price_cut"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(model_name=model, name="channel", field=_channel(True))
                for model in INDEXES
            ],
            database_operations=[
                operation
                for model, index in INDEXES.items()
                for operation in (
                    migrations.AddField(model_name=model, name="channel", field=_channel(False)),
                    AddIndexWithoutBlockingWrites(
                        model_name=model, index=models.Index(fields=["channel"], name=index)
                    ),
                )
            ],
        ),
    ]

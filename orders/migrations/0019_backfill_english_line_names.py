"""Lines bought before 0018: the English name their product has now, where it has one.

Its own migration, outside one transaction, in batches of rows by primary key: each
UPDATE is short, so checkouts adding lines do not wait for the whole table during a
deploy on PostgreSQL. Running it again only fills the lines still without a name.
"""

from django.db import migrations, models, transaction

BATCH_SIZE = 5000


def copy_english_names(apps, schema_editor, *, batch_size=BATCH_SIZE):
    OrderLine = apps.get_model("orders", "OrderLine")
    Product = apps.get_model("catalog", "Product")
    alias = schema_editor.connection.alias
    lines = (
        OrderLine.objects.using(alias)
        .filter(product__isnull=False, product_name_en="")
        .exclude(product__name_en="")
    )
    english_name = models.Subquery(
        Product.objects.using(alias).filter(pk=models.OuterRef("product_id")).values("name_en")[:1]
    )
    after = 0
    while True:
        batch = lines.filter(pk__gt=after).order_by("pk")
        last = batch.values_list("pk", flat=True)[batch_size - 1 : batch_size].first()
        if last is not None:
            batch = batch.filter(pk__lte=last)
        with transaction.atomic(using=alias):
            batch.update(product_name_en=english_name)
        if last is None:
            return
        after = last


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("orders", "0018_language_preference_and_english_line_snapshots"),
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(copy_english_names, migrations.RunPython.noop, elidable=True),
    ]

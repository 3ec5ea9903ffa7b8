"""Product.search_name: the search document of a product's own names, so a search
matching more products than are ranked takes those whose names match first; filled for
existing products."""

from django.db import migrations, models

from catalog.search import build_search_document

BATCH = 1000


def fill_search_name(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    last = 0
    while batch := list(
        Product.objects.filter(pk__gt=last).order_by("pk").only("name", "name_en")[:BATCH]
    ):
        for product in batch:
            product.search_name = build_search_document(product.name, product.name_en)
        Product.objects.bulk_update(batch, ["search_name"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [("catalog", "0017_product_name_pinyin")]

    operations = [
        migrations.AddField(
            model_name="product",
            name="search_name",
            field=models.TextField(blank=True, editable=False, verbose_name="search name"),
        ),
        migrations.RunPython(fill_search_name, migrations.RunPython.noop),
    ]

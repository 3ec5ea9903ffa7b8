"""Product.name_pinyin: the pinyin of a product's own name, for ranking (a name that
spells the query over a category that does); filled for existing products."""

from django.db import migrations, models

from catalog.search.chinese import pinyin_document

BATCH = 1000


def fill_name_pinyin(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    last = 0
    while batch := list(Product.objects.filter(pk__gt=last).order_by("pk").only("name")[:BATCH]):
        for product in batch:
            product.name_pinyin = pinyin_document(product.name)
        Product.objects.bulk_update(batch, ["name_pinyin"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [("catalog", "0016_product_search_vector_column")]

    operations = [
        migrations.AddField(
            model_name="product",
            name="name_pinyin",
            field=models.TextField(blank=True, editable=False, verbose_name="name pinyin"),
        ),
        migrations.RunPython(fill_name_pinyin, migrations.RunPython.noop),
    ]

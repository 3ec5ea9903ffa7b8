"""Load Hubei's 17 prefecture-level divisions, their 103 counties and the zone's
categories (reversible: unloading removes only rows no product or vendor uses)."""

from django.db import migrations
from django.db.models import ProtectedError


def load(apps, schema_editor):
    from catalog.reference.hubei import load_reference_data

    load_reference_data(
        apps.get_model("catalog", "Prefecture"),
        apps.get_model("catalog", "County"),
        apps.get_model("catalog", "Category"),
    )


def unload(apps, schema_editor):
    from catalog.reference.hubei import CATEGORIES, PREFECTURES

    County = apps.get_model("catalog", "County")
    for model, slugs in [
        (apps.get_model("catalog", "Category"), [c[0] for c in CATEGORIES]),
        (County, [c[0] for p in PREFECTURES for c in p[4]]),
        (apps.get_model("catalog", "Prefecture"), [p[0] for p in PREFECTURES]),
    ]:
        for row in model.objects.filter(slug__in=slugs):
            try:
                row.delete()
            except ProtectedError:
                pass


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_product_search_index")]

    operations = [migrations.RunPython(load, unload)]

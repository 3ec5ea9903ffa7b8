"""Schema only: the streams' ids are channels now (0022); the old columns go (and on a
database that had them, their foreign keys to livestream)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0022_sales_channel_copy"),
    ]

    operations = [
        migrations.RemoveField(model_name="cartitem", name="stream"),
        migrations.RemoveField(model_name="orderline", name="stream"),
    ]

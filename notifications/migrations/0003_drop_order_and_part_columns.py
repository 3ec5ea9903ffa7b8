# The order and part live in each message's context now (0002).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_order_and_part_into_context"),
    ]

    operations = [
        migrations.RemoveField(model_name="notification", name="order_id"),
        migrations.RemoveField(model_name="notification", name="part_id"),
    ]

# The order and part live in each message's context now (0002). Reversed, the columns
# come back indexed (0001 declares them so), without foreign keys to orders.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_order_and_part_into_context"),
    ]

    operations = [
        migrations.RemoveField(model_name="notification", name="order_id"),
        migrations.RemoveField(model_name="notification", name="part_id"),
    ]

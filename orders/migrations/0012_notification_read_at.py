from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0011_address_district_optional"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="read_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="read at"),
        ),
    ]

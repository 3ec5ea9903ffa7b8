"""Parts shipped before receipt was confirmed automatically get their date: vendors can
no longer mark a part delivered, so without one such a part would stay shipped. It is
AUTO_CONFIRM_DAYS after shipment, and at least two days from now, so the shopper is
reminded the day before as for any other part."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def give_dates(apps, schema_editor):
    OrderPart = apps.get_model("orders", "OrderPart")
    days = timedelta(days=settings.AUTO_CONFIRM_DAYS)
    earliest = timezone.now() + timedelta(days=2)
    parts = list(
        OrderPart.objects.filter(status="shipped", auto_confirm_at__isnull=True).only(
            "pk", "shipped_at"
        )
    )
    for part in parts:
        part.auto_confirm_at = max((part.shipped_at or earliest) + days, earliest)
    OrderPart.objects.bulk_update(parts, ["auto_confirm_at"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("orders", "0028_freight_templates_and_delivery")]

    operations = [migrations.RunPython(give_dates, migrations.RunPython.noop)]

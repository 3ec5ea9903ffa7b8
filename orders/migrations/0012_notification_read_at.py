from django.db import migrations, models
from django.db.models import F


def read_what_was_already_sent(apps, schema_editor):
    """Messages delivered before the header counted unread ones count as read: an upgrade
    must not light up every badge with old news."""
    Notification = apps.get_model("orders", "Notification")
    Notification.objects.filter(state="sent").update(read_at=F("sent_at"))


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
        migrations.RunPython(read_what_was_already_sent, migrations.RunPython.noop),
    ]

from django.db import migrations
from django.db.models import F

BATCH = 10_000


def read_what_was_already_sent(apps, schema_editor):
    """Messages delivered before the header counted unread ones count as read: an upgrade
    must not light up every badge with old news. In batches, each its own transaction
    (the migration is not atomic), so checkouts writing messages never wait long."""
    Notification = apps.get_model("orders", "Notification")
    unread = Notification.objects.filter(state="sent", sent_at__isnull=False, read_at__isnull=True)
    while ids := list(unread.order_by("pk").values_list("pk", flat=True)[:BATCH]):
        Notification.objects.filter(pk__in=ids).update(read_at=F("sent_at"))


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("orders", "0012_notification_read_at"),
    ]

    operations = [
        migrations.RunPython(read_what_was_already_sent, migrations.RunPython.noop),
    ]

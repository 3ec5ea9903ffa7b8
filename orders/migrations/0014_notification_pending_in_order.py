# The worker's "oldest pending" queries read (state, id) and (state, created_at); the
# single-column state indexes go. Not atomic: on PostgreSQL the new indexes are built
# CONCURRENTLY, so checkouts keep writing notifications meanwhile, and the old ones are
# dropped afterwards in a statement of their own (a moment's lock).

from django.db import migrations, models

from core.db import AddIndexWithoutBlockingWrites


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("orders", "0013_notifications_already_sent_are_read"),
    ]

    operations = [
        AddIndexWithoutBlockingWrites(
            model_name="notification",
            index=models.Index(fields=["state", "id"], name="notification_state_id"),
        ),
        AddIndexWithoutBlockingWrites(
            model_name="notification",
            index=models.Index(fields=["state", "created_at"], name="notification_state_created"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="state",
            field=models.CharField(
                choices=[("pending", "pending"), ("sent", "sent")],
                default="pending",
                max_length=8,
                verbose_name="state",
            ),
        ),
    ]

# The outbox, the reset requests and the language preferences belong to the
# notifications app now, which adopted their tables (notifications 0001): they leave
# orders' state only; nothing happens in the database.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0024_promotion_allowances"),
        ("notifications", "0003_drop_order_and_part_columns"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="Notification"),
                migrations.DeleteModel(name="LanguagePreference"),
                migrations.DeleteModel(name="PasswordResetRequest"),
            ],
        ),
    ]

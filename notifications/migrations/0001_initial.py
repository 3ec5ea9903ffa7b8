# The outbox, the reset requests and the language preferences move from orders: their
# tables stay as they are (no data copied), this app adopts them in its state. The
# notification's order and part are plain ids here until 0002 carries them into its
# context and 0003 drops them (a lower app has no foreign key to orders).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("orders", "0020_order_line_price_cut"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="PasswordResetRequest",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("email", models.EmailField(max_length=254, verbose_name="email")),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="created at"),
                        ),
                    ],
                    options={
                        "verbose_name": "password reset request",
                        "verbose_name_plural": "password reset requests",
                        "db_table": "orders_passwordresetrequest",
                        "ordering": ["id"],
                    },
                ),
                migrations.CreateModel(
                    name="LanguagePreference",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "language",
                            models.CharField(
                                choices=[("zh-hans", "简体中文"), ("en", "English")],
                                max_length=10,
                                verbose_name="language",
                            ),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                        (
                            "user",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="language_preference",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "language preference",
                        "verbose_name_plural": "language preferences",
                        "db_table": "orders_languagepreference",
                    },
                ),
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("kind", models.CharField(max_length=20, verbose_name="kind")),
                        # The columns of orders' foreign keys, as plain ids (see above),
                        # indexed as the foreign keys' columns are: reversing 0003 brings
                        # them back with their indexes.
                        (
                            "order_id",
                            models.BigIntegerField(blank=True, db_index=True, null=True),
                        ),
                        (
                            "part_id",
                            models.BigIntegerField(blank=True, db_index=True, null=True),
                        ),
                        (
                            "context",
                            models.JSONField(blank=True, default=dict, verbose_name="context"),
                        ),
                        (
                            "subject",
                            models.CharField(blank=True, max_length=200, verbose_name="subject"),
                        ),
                        ("body", models.TextField(blank=True, verbose_name="message")),
                        (
                            "state",
                            models.CharField(
                                choices=[("pending", "pending"), ("sent", "sent")],
                                default="pending",
                                max_length=8,
                                verbose_name="state",
                            ),
                        ),
                        (
                            "attempts",
                            models.PositiveSmallIntegerField(default=0, verbose_name="attempts"),
                        ),
                        (
                            "last_error",
                            models.CharField(blank=True, max_length=300, verbose_name="last error"),
                        ),
                        (
                            "claimed_until",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="claimed until"
                            ),
                        ),
                        (
                            "dedupe_key",
                            models.CharField(max_length=120, unique=True, verbose_name="dedupe key"),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                auto_now_add=True, db_index=True, verbose_name="created at"
                            ),
                        ),
                        ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent at")),
                        ("read_at", models.DateTimeField(blank=True, null=True, verbose_name="read at")),
                        (
                            "recipient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "notification",
                        "verbose_name_plural": "notifications",
                        "db_table": "orders_notification",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["state", "id"], name="notification_state_id"),
                            models.Index(
                                fields=["state", "created_at"], name="notification_state_created"
                            ),
                        ],
                    },
                ),
            ],
        ),
        migrations.AddField(
            model_name="notification",
            name="link",
            field=models.CharField(blank=True, max_length=200, verbose_name="link"),
        ),
    ]

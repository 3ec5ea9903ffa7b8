"""Data only: the outbox, the reset requests and the language preferences moved from
orders (0001), so their content types move too: `orders|notification` becomes
`notifications|notification` (same row, so the staff groups' and users' permissions and
the admin's history keep pointing at it). On a database where post_migrate already
created the new content types (an earlier upgrade), the permission links of the groups
and users and the admin history go over to the new ones by codename, and the old
content type goes. Reversed, the same from notifications to orders."""

from django.conf import settings
from django.db import migrations

MODELS = ("notification", "languagepreference", "passwordresetrequest")


def _move(apps, old_label, new_label):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    LogEntry = apps.get_model("admin", "LogEntry")
    links = [
        apps.get_model("auth", "Group").permissions.through,
        apps.get_model(settings.AUTH_USER_MODEL).user_permissions.through,
    ]
    for model in MODELS:
        old = ContentType.objects.filter(app_label=old_label, model=model).first()
        if old is None:
            continue
        new = ContentType.objects.filter(app_label=new_label, model=model).first()
        if new is None:
            old.app_label = new_label
            old.save(update_fields=["app_label"])
            continue
        new_permissions = dict(
            Permission.objects.filter(content_type=new).values_list("codename", "pk")
        )
        for permission in Permission.objects.filter(content_type=old):
            target = new_permissions.get(permission.codename)
            if target is None:  # only the old one has it: it goes over as it is
                permission.content_type = new
                permission.save(update_fields=["content_type"])
                continue
            for link in links:
                # The field of the link that is not the permission (group or user).
                owner = next(
                    f.attname
                    for f in link._meta.concrete_fields
                    if f.is_relation and f.name != "permission"
                )
                owners = link.objects.filter(permission=permission).values_list(owner, flat=True)
                link.objects.bulk_create(
                    [link(**{owner: pk, "permission_id": target}) for pk in owners],
                    ignore_conflicts=True,  # the group had both: it keeps the new one
                )
        LogEntry.objects.filter(content_type=old).update(content_type=new)
        old.delete()  # with its permissions and their links (moved above)


def to_notifications(apps, schema_editor):
    _move(apps, "orders", "notifications")


def to_orders(apps, schema_editor):
    _move(apps, "notifications", "orders")


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_drop_order_and_part_columns"),
        ("orders", "0025_notifications_moved_out"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(to_notifications, to_orders)]

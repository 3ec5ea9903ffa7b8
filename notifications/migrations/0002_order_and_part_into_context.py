# Data only: each message about an order keeps the ids of its order and part in its
# context (`order_id`, `part_id`), and the inbox's link it showed (the order's page for
# its shopper, the part in the vendor dashboard for a vendor's member), so 0003 can drop
# the columns. A shop's approval and rejection keep their links too. In batches, by id.
# Paths as in the URL map (stable), not reversed: a migration must not move with urls.py.

from django.db import migrations

BATCH = 2000
KIND_LINKS = {"vendor_approved": "/vendor/", "vendor_rejected": "/vendor/apply/"}


def carry_into_context(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    Order = apps.get_model("orders", "Order")
    for kind, link in KIND_LINKS.items():
        Notification.objects.filter(kind=kind, order_id__isnull=True).update(link=link)
    last = 0
    while True:
        batch = list(
            Notification.objects.filter(pk__gt=last, order_id__isnull=False)
            .order_by("pk")
            .only("pk", "recipient_id", "order_id", "part_id", "context", "link")[:BATCH]
        )
        if not batch:
            return
        last = batch[-1].pk
        orders = {
            pk: (number, shopper_id)
            for pk, number, shopper_id in Order.objects.filter(
                pk__in={n.order_id for n in batch}
            ).values_list("pk", "number", "shopper_id")
        }
        for notification in batch:
            context = dict(notification.context or {})
            context["order_id"] = notification.order_id
            if notification.part_id is not None:
                context["part_id"] = notification.part_id
            notification.context = context
            number, shopper_id = orders.get(notification.order_id, (None, None))
            if number is not None:  # what staff search the outbox by
                context["order_number"] = number
            if number is not None and notification.recipient_id == shopper_id:
                notification.link = f"/orders/{number}/"
            elif notification.part_id is not None:
                notification.link = f"/vendor/orders/{notification.part_id}/"
        Notification.objects.bulk_update(batch, ["context", "link"])


def back_into_columns(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    last = 0
    while True:
        batch = list(
            Notification.objects.filter(pk__gt=last)
            .filter(context__has_key="order_id")
            .order_by("pk")
            .only("pk", "order_id", "part_id", "context")[:BATCH]
        )
        if not batch:
            return
        last = batch[-1].pk
        for notification in batch:
            notification.order_id = notification.context.get("order_id")
            notification.part_id = notification.context.get("part_id")
        Notification.objects.bulk_update(batch, ["order_id", "part_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("orders", "0020_order_line_price_cut"),
    ]

    operations = [migrations.RunPython(carry_into_context, back_into_columns)]

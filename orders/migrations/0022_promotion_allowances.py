"""Fill the shoppers' promotion allowances (catalog.PromotionAllowance) from the orders
placed so far: the discounted units each shopper bought under each promotion, in parts
not cancelled, as checkout counted them before the allowances existed. Here, in orders,
because it reads order lines (catalog's migrations never depend on orders')."""

from django.db import migrations
from django.db.models import Sum

BATCH = 1000


def fill_allowances(apps, schema_editor):
    OrderLine = apps.get_model("orders", "OrderLine")
    PromotionAllowance = apps.get_model("catalog", "PromotionAllowance")
    bought = (
        OrderLine.objects.filter(promotion__isnull=False)
        .exclude(part__status="cancelled")
        .values("promotion_id", "part__order__shopper_id")
        .annotate(units=Sum("quantity"))
        .order_by("promotion_id", "part__order__shopper_id")
    )
    PromotionAllowance.objects.bulk_create(
        (
            PromotionAllowance(
                promotion_id=row["promotion_id"],
                shopper_id=row["part__order__shopper_id"],
                units_used=row["units"],
            )
            for row in bought.iterator()
        ),
        batch_size=BATCH,
    )


def empty_allowances(apps, schema_editor):
    apps.get_model("catalog", "PromotionAllowance").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0011_promotion_allowances"),
        ("orders", "0021_sales_channel"),
    ]

    operations = [migrations.RunPython(fill_allowances, empty_allowances)]

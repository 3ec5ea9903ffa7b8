"""Data only: fill the shoppers' promotion allowances (catalog.PromotionAllowance) from
the orders placed so far, the discounted units each shopper bought under each promotion
in parts not cancelled, as checkout counted them before the allowances existed
(orders/promotion_allowances.py, which the `recount_promotion_allowances` command runs
again after the deploy). Here, in orders, because it reads order lines (catalog's
migrations never depend on orders'). In batches, each committed on its own."""

from django.db import migrations

from orders.promotion_allowances import recount_promotion_allowances


def fill_allowances(apps, schema_editor):
    recount_promotion_allowances(
        apps.get_model("orders", "OrderLine"), apps.get_model("catalog", "PromotionAllowance")
    )


def empty_allowances(apps, schema_editor):
    apps.get_model("catalog", "PromotionAllowance").objects.all().delete()


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("catalog", "0011_promotion_allowances"),
        ("orders", "0023_sales_channel_drop_stream"),
    ]

    operations = [migrations.RunPython(fill_allowances, empty_allowances)]

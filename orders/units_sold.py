"""Each product's units sold (已售) recounted from its order lines.

Checkouts add a line's units to `Product.units_sold` in the UPDATE that takes their stock,
and cancellations, unpaid orders closed and refunds take them off (orders/locks.py). So
the figure always equals what `sold_by_product` counts: the units of every line whose
part is not cancelled, less what after-sales refunded of it. Orders awaiting payment
count, as their stock is taken; they give both back if they are not paid in time.

Here, in orders, because it reads order lines (catalog cannot). The
`recount_units_sold` command runs it: after an import, a repair, or to replace figures
that were seeded.
"""

from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import F, Sum

from catalog.models import Product
from catalog.page_cache import bump_catalog_revision
from catalog.selling import sold_label_changed
from orders.models import Order, OrderLine, OrderPart

BATCH = 500


def sold_by_product(product_ids: Iterable[int]) -> dict[int, int]:
    """{product id: units sold} of these products (those with none left out)."""
    lines = (
        OrderLine.objects.filter(product_id__in=list(product_ids))
        .exclude(part__status=OrderPart.Status.CANCELLED)
        .exclude(part__order__status=Order.Status.CANCELLED)
        .values("product_id")
        .annotate(sold=Sum(F("quantity") - F("refunded_quantity")))
        .order_by()
    )
    return {row["product_id"]: max(row["sold"] or 0, 0) for row in lines}


def recount_units_sold(
    *, batch_size: int = BATCH, progress: Callable[[int], object] | None = None
) -> int:
    """Set every product's units_sold to what its order lines count, `batch_size`
    products per transaction, in primary-key order; `progress(n)` is called after each
    batch with its size. Safe to run again (a recount, not an addition) and while the
    store sells: a batch's products are locked before their lines are summed, in the
    order checkouts lock them, so a checkout taking stock meanwhile either commits first
    (its line is counted) or waits and adds its units to the recounted figure. Cached
    pages render again if a label they show changed. Returns how many products changed."""
    changed, last, labels_changed = 0, 0, False
    while True:
        with transaction.atomic():
            batch = list(
                Product.objects.select_for_update()
                .filter(pk__gt=last)
                .order_by("pk")
                .only("pk", "units_sold")[:batch_size]
            )
            if not batch:
                break
            sold = sold_by_product(product.pk for product in batch)
            moved = []
            for product in batch:
                units = sold.get(product.pk, 0)
                if units != product.units_sold:
                    labels_changed = labels_changed or sold_label_changed(product.units_sold, units)
                    product.units_sold = units
                    moved.append(product)
            Product.objects.bulk_update(moved, ["units_sold"])
        changed += len(moved)
        last = batch[-1].pk
        if progress:
            progress(len(batch))
    if labels_changed:
        bump_catalog_revision()  # bulk_update sends no signals
    return changed

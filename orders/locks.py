"""Taking stock: the one place that decrements Product.stock, and the units sold with it.

A conditional UPDATE (`... SET stock = stock - n WHERE id = ? AND stock >= n`) is both the
check and the write. On PostgreSQL the UPDATE locks the row and re-checks the condition
after waiting for a concurrent buyer, so two checkouts never both take the last unit; on
SQLite, where select_for_update does nothing, the write lock of the transaction serialises
them. Rows are taken in primary-key order so two carts never wait on each other in a cycle.
The CheckConstraint stock >= 0 backs it all up.

The same UPDATE adds the units to `Product.units_sold` (已售), and giving stock back takes
them off again (never below 0), so the figure cards show moves with the stock, in the
statements that move it. A refund of goods that stay with the shopper takes the units
off the figure alone (`unsell`): a refunded sale is not a sale.

The UPDATE returns the stock left and the units sold (RETURNING, on PostgreSQL and SQLite
alike), so the checkout knows whether what a shopper sees changed: cached pages show "in
stock" until only `Product.FEW_LEFT` remain, and a rounded "已售 100+" that moves only
now and then (catalog/selling.py); they need rendering again only when either does.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from catalog.models import Product
from catalog.revision import bump_products
from catalog.selling import sold_label_changed


@dataclass
class StockTaken:
    short: list[int] = field(default_factory=list)  # ids that had too little, or were unpublished
    # The products that now show "only N left" or "sold out", or another "已售" label.
    changed: list[int] = field(default_factory=list)
    sold_out: bool = False  # one of them has none left (it moves to the end of listings)

    def mark_pages_stale(self) -> None:
        """The cached pages showing what changed render again (catalog/revision.py)."""
        if self.changed:
            bump_products(self.changed, listings=self.sold_out)


def _update_can_return() -> bool:
    """UPDATE … RETURNING: PostgreSQL, and SQLite from 3.35, the version that returns
    from INSERT too (Django supports SQLite from 3.31)."""
    return connection.features.can_return_columns_from_insert


def _take_sql() -> str:
    quote = connection.ops.quote_name
    meta = Product._meta
    stock, sold, updated_at, status, pk = (
        quote(meta.get_field(name).column)
        for name in ("stock", "units_sold", "updated_at", "status", "id")
    )
    return (
        f"UPDATE {quote(meta.db_table)} SET {stock} = {stock} - %s, {sold} = {sold} + %s, "
        f"{updated_at} = %s "
        f"WHERE {pk} = %s AND {stock} >= %s AND {status} = %s RETURNING {stock}, {sold}"
    )


def take_stock(quantities: Mapping[int, int]) -> StockTaken:
    """Take {product_id: quantity} from stock (one UPDATE … RETURNING per product).

    Call inside a transaction and roll it back if anything is `short`.
    """
    if not _update_can_return():
        return _take_stock_then_read(quantities)
    taken = StockTaken()
    sql = _take_sql()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        for product_id in sorted(quantities):
            quantity = quantities[product_id]
            cursor.execute(
                sql,
                [quantity, quantity, now, product_id, quantity, Product.Status.PUBLISHED.value],
            )
            row = cursor.fetchone()
            if row is None:
                taken.short.append(product_id)
            elif _shown_changed(quantity, stock_left=row[0], sold=row[1]):
                taken.changed.append(product_id)
                taken.sold_out = taken.sold_out or row[0] == 0
    return taken


def _shown_changed(quantity: int, *, stock_left: int, sold: int) -> bool:
    return stock_left <= Product.FEW_LEFT or sold_label_changed(sold - quantity, sold)


def _take_stock_then_read(quantities: Mapping[int, int]) -> StockTaken:
    """The same with the ORM and one read of what is left."""
    taken, now = StockTaken(), timezone.now()
    for product_id in sorted(quantities):
        quantity = quantities[product_id]
        if not Product.objects.filter(
            pk=product_id, stock__gte=quantity, status=Product.Status.PUBLISHED
        ).update(
            stock=F("stock") - quantity, units_sold=F("units_sold") + quantity, updated_at=now
        ):
            taken.short.append(product_id)
    left = Product.objects.filter(pk__in=quantities).exclude(pk__in=taken.short)
    for pk, stock, sold in left.values_list("pk", "stock", "units_sold"):
        if _shown_changed(quantities[pk], stock_left=stock, sold=sold):
            taken.changed.append(pk)
            taken.sold_out = taken.sold_out or stock == 0
    return taken


def _fewer_sold(quantity: int) -> Greatest:
    """units_sold less `quantity`, never below 0 (a figure recounted or seeded lower
    than the orders it now gives back)."""
    return Greatest(F("units_sold") - quantity, Value(0))


def return_stock(quantities: Mapping[int, int]) -> None:
    """Put {product_id: quantity} back (a cancelled order, returned goods), and take
    them off the units sold; the pages showing them render again, and every listing if
    one was sold out."""
    now = timezone.now()
    for product_id in sorted(quantities):
        quantity = quantities[product_id]
        Product.objects.filter(pk=product_id).update(
            stock=F("stock") + quantity, units_sold=_fewer_sold(quantity), updated_at=now
        )
    if not quantities:
        return
    rows = Product.objects.filter(pk__in=quantities).values_list("pk", "stock", "vendor_id")
    back_on_sale = False
    vendor_ids = set()
    for pk, stock, vendor_id in rows:
        back_on_sale = back_on_sale or stock == quantities[pk]  # it had none
        vendor_ids.add(vendor_id)
    bump_products(quantities, listings=back_on_sale, vendor_ids=vendor_ids)


def unsell(product_id: int, quantity: int) -> bool:
    """Take `quantity` off the product's units sold, its stock left as it is (refunded
    goods that stay with the shopper). Whether its "已售" label changed (one UPDATE …
    RETURNING; without RETURNING, a read before it)."""
    rows = Product.objects.filter(pk=product_id)
    now = timezone.now()
    if not _update_can_return():
        before = rows.values_list("units_sold", flat=True).first()
        if before is None or not rows.update(units_sold=_fewer_sold(quantity), updated_at=now):
            return False
        return sold_label_changed(before, max(before - quantity, 0))
    quote = connection.ops.quote_name
    meta = Product._meta
    sold, updated_at, pk = (
        quote(meta.get_field(name).column) for name in ("units_sold", "updated_at", "id")
    )
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {sold} = CASE WHEN {sold} > %s THEN {sold} - %s "
        f"ELSE 0 END, {updated_at} = %s WHERE {pk} = %s RETURNING {sold}"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [quantity, quantity, connection.ops.adapt_datetimefield_value(now), product_id]
        )
        row = cursor.fetchone()
    if row is None:
        return False
    after = row[0]
    # At 0 the figure may have been below `quantity` before: the label went (or was gone).
    return sold_label_changed(after + quantity, after) if after else True

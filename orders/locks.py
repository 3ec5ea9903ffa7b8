"""Taking stock: the one place that decrements Product.stock.

A conditional UPDATE (`... SET stock = stock - n WHERE id = ? AND stock >= n`) is both the
check and the write. On PostgreSQL the UPDATE locks the row and re-checks the condition
after waiting for a concurrent buyer, so two checkouts never both take the last unit; on
SQLite, where select_for_update does nothing, the write lock of the transaction serialises
them. Rows are taken in primary-key order so two carts never wait on each other in a cycle.
The CheckConstraint stock >= 0 backs it all up.

The UPDATE returns the stock left (RETURNING, on PostgreSQL and SQLite alike), so the
checkout knows whether what a shopper sees changed: cached pages show "in stock" until
only `Product.FEW_LEFT` remain, and need rendering again only from then on.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F
from django.utils import timezone

from catalog.models import Product


@dataclass
class StockTaken:
    short: list[int] = field(default_factory=list)  # ids that had too little, or were unpublished
    shown_changed: bool = False  # a product now shows "only N left" or "sold out"


def _update_can_return() -> bool:
    """UPDATE … RETURNING: PostgreSQL, and SQLite from 3.35, the version that returns
    from INSERT too (Django supports SQLite from 3.31)."""
    return connection.features.can_return_columns_from_insert


def _take_sql() -> str:
    quote = connection.ops.quote_name
    meta = Product._meta
    stock, updated_at, status, pk = (
        quote(meta.get_field(name).column) for name in ("stock", "updated_at", "status", "id")
    )
    return (
        f"UPDATE {quote(meta.db_table)} SET {stock} = {stock} - %s, {updated_at} = %s "
        f"WHERE {pk} = %s AND {stock} >= %s AND {status} = %s RETURNING {stock}"
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
                sql, [quantity, now, product_id, quantity, Product.Status.PUBLISHED.value]
            )
            row = cursor.fetchone()
            if row is None:
                taken.short.append(product_id)
            elif row[0] <= Product.FEW_LEFT:
                taken.shown_changed = True
    return taken


def _take_stock_then_read(quantities: Mapping[int, int]) -> StockTaken:
    """The same with the ORM and one read of what is left."""
    taken, now = StockTaken(), timezone.now()
    for product_id in sorted(quantities):
        if not Product.objects.filter(
            pk=product_id, stock__gte=quantities[product_id], status=Product.Status.PUBLISHED
        ).update(stock=F("stock") - quantities[product_id], updated_at=now):
            taken.short.append(product_id)
    taken.shown_changed = Product.objects.filter(
        pk__in=quantities, stock__lte=Product.FEW_LEFT
    ).exists()
    return taken


def return_stock(quantities: Mapping[int, int]) -> None:
    """Put {product_id: quantity} back (a cancelled order)."""
    now = timezone.now()
    for product_id in sorted(quantities):
        Product.objects.filter(pk=product_id).update(
            stock=F("stock") + quantities[product_id], updated_at=now
        )

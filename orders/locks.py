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

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F
from django.utils import timezone

from catalog.models import Product


@dataclass
class StockTaken:
    short: list = field(default_factory=list)  # ids that had too little, or were unpublished
    shown_changed: bool = False  # a product now shows "only N left" or "sold out"


def _take_sql():
    quote = connection.ops.quote_name
    return (
        f"UPDATE {quote(Product._meta.db_table)} SET {quote('stock')} = {quote('stock')} - %s, "
        f"{quote('updated_at')} = %s WHERE {quote('id')} = %s AND {quote('stock')} >= %s "
        f"AND {quote('status')} = %s RETURNING {quote('stock')}"
    )


def take_stock(quantities):
    """Take {product_id: quantity} from stock (one UPDATE … RETURNING per product).

    Call inside a transaction and roll it back if anything is `short`.
    """
    taken = StockTaken()
    sql = _take_sql()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        for product_id in sorted(quantities):
            quantity = quantities[product_id]
            cursor.execute(sql, [quantity, now, product_id, quantity, Product.Status.PUBLISHED.value])
            row = cursor.fetchone()
            if row is None:
                taken.short.append(product_id)
            elif row[0] <= Product.FEW_LEFT:
                taken.shown_changed = True
    return taken


def return_stock(quantities):
    """Put {product_id: quantity} back (a cancelled order)."""
    now = timezone.now()
    for product_id in sorted(quantities):
        Product.objects.filter(pk=product_id).update(
            stock=F("stock") + quantities[product_id], updated_at=now
        )

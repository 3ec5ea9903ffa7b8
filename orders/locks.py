"""Taking stock: the one place that decrements Product.stock.

A conditional UPDATE (`... SET stock = stock - n WHERE id = ? AND stock >= n`) is both the
check and the write. On PostgreSQL the UPDATE locks the row and re-checks the condition
after waiting for a concurrent buyer, so two checkouts never both take the last unit; on
SQLite, where select_for_update does nothing, the write lock of the transaction serialises
them. Rows are taken in primary-key order so two carts never wait on each other in a cycle.
The CheckConstraint stock >= 0 backs it all up.
"""

from django.db.models import F
from django.utils import timezone

from catalog.models import Product


def take_stock(quantities):
    """Take {product_id: quantity} from stock. Returns the ids that had too little (or
    were unpublished a moment ago).

    Call inside a transaction and roll it back if anything is returned.
    """
    short = []
    now = timezone.now()
    for product_id in sorted(quantities):
        taken = Product.objects.filter(
            pk=product_id, stock__gte=quantities[product_id], status=Product.Status.PUBLISHED
        ).update(
            stock=F("stock") - quantities[product_id], updated_at=now
        )
        if not taken:
            short.append(product_id)
    return short


def return_stock(quantities):
    """Put {product_id: quantity} back (a cancelled order)."""
    now = timezone.now()
    for product_id in sorted(quantities):
        Product.objects.filter(pk=product_id).update(
            stock=F("stock") + quantities[product_id], updated_at=now
        )

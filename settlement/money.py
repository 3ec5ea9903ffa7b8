"""Money as the ledger adds it: to the fen.

SQLite keeps decimals as floating point and adds them as such, so a sum of exact
amounts comes back a hair off (¥186.00 − ¥177.20 − ¥8.80 reads −1.07E-14, not 0): a
balance, a books check or a payout taken from such a sum would be wrong by that hair.
Every sum of amounts in settlement is a `Total`, rounded to the fen when read (exact
already on PostgreSQL)."""

from decimal import Decimal

from django.db.models import Sum

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


class Total(Sum):
    """Sum(...) of amounts in CNY, read to the fen; nothing to add up reads ZERO."""

    def convert_value(
        self, value: Decimal | float | None, expression: object, connection: object
    ) -> Decimal:
        if value is None:
            return ZERO
        total = Decimal(value).quantize(FEN)
        return total if total else ZERO  # never -0.00 (a float's -1E-14, rounded)

"""Which commission rate a line is sold at: the shop's, else its category's (nearest up
the tree), else the default, each the latest to have taken effect by then."""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from catalog.models import Category
from orders.models import OrderLine
from settlement.models import CommissionRate
from settlement.money import FEN


class RatesInForce:
    """The rates in force at one moment (two queries at most: the rates, and the
    category tree when a category has a rate of its own)."""

    def __init__(self, at: datetime | None = None):
        at = at or timezone.now()
        self.default: Decimal | None = None
        self.by_vendor: dict[int, Decimal] = {}
        self.by_category: dict[int, Decimal] = {}
        # Latest first: the first seen of each target is the one in force.
        for rate in CommissionRate.objects.filter(effective_from__lte=at).order_by(
            "-effective_from", "-id"
        ):
            if rate.scope == CommissionRate.Scope.DEFAULT:
                if self.default is None:
                    self.default = rate.rate
            elif rate.scope == CommissionRate.Scope.VENDOR:
                self.by_vendor.setdefault(rate.vendor_id, rate.rate)
            else:
                self.by_category.setdefault(rate.category_id, rate.rate)
        self._parents: dict[int, int | None] | None = None

    def _category_rate(self, category_id: int | None) -> Decimal | None:
        if not self.by_category or category_id is None:
            return None
        if self._parents is None:
            self._parents = dict(Category.objects.values_list("pk", "parent_id"))
        seen, at = set(), category_id
        while at is not None and at not in seen:  # a cycle stops the walk
            if at in self.by_category:
                return self.by_category[at]
            seen.add(at)
            at = self._parents.get(at)
        return None

    def rate_for(self, vendor_id: int, category_id: int | None) -> Decimal | None:
        if vendor_id in self.by_vendor:
            return self.by_vendor[vendor_id]
        found = self._category_rate(category_id)
        return found if found is not None else self.default


def assign_rates(lines: list[OrderLine]) -> None:
    """orders' rate_for_lines hook: each line of a checkout keeps the rate in force now."""
    rates = RatesInForce()
    for line in lines:
        line.commission_rate = rates.rate_for(line.part.vendor_id, line.category_id)


def commission_on(amount: Decimal, rate: Decimal | None) -> Decimal:
    """The commission on `amount` of goods at `rate`, to the fen (half up)."""
    if not rate or amount <= 0:
        return Decimal("0.00")
    return (amount * rate).quantize(FEN, ROUND_HALF_UP)

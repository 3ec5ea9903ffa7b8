"""How many days after shipment receipt of a part is confirmed for the shopper: the
fewest of its categories' days (fresh goods sooner), else AUTO_CONFIRM_DAYS."""

from collections.abc import Iterable

from django.conf import settings

from catalog.selectors import inherited_by_category
from orders.models import OrderLine

# The shopper is reminded a day before: a part is never confirmed sooner than this.
FEWEST_DAYS = 2


def auto_confirm_days(lines: Iterable[OrderLine]) -> int:
    """The days after shipment before receipt of these lines is confirmed (see
    `days_for`). One query."""
    return days_for({line.category_id for line in lines}, receipt_days_by_category())


def days_for(category_ids: Iterable[int | None], by_category: dict[int, int]) -> int:
    """The fewest of the categories' days to confirm receipt (`by_category`, from
    receipt_days_by_category; a category without any: AUTO_CONFIRM_DAYS), never more than
    AUTO_CONFIRM_DAYS, never fewer than FEWEST_DAYS (so the reminder a day before comes
    a day after shipment at the soonest)."""
    default = settings.AUTO_CONFIRM_DAYS
    days = min([default, *(by_category[c] for c in category_ids if c in by_category)])
    return max(FEWEST_DAYS, days)


def receipt_days_by_category() -> dict[int, int]:
    """category pk -> its days to confirm receipt: its own, else its nearest ancestor's,
    for the categories that have any. One query."""
    return inherited_by_category("auto_confirm_days")

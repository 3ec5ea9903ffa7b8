"""What the shop's after-sales pages and messages show of a request's deadline and of
a return's carrier."""

from datetime import datetime

from django import template
from django.utils import timezone

from orders.shipping.carriers import carrier_named

register = template.Library()


@register.filter
def hours_left(due_at: datetime | None) -> int | None:
    """`{{ request.due_at|hours_left }}`: whole hours until the deadline (0 in its last
    hour and once it passed), None without one."""
    if due_at is None:
        return None
    return max(0, int((due_at - timezone.now()).total_seconds() // 3600))


@register.filter
def carrier_name(code: str) -> str:
    """`{{ request.return_carrier|carrier_name }}`: the carrier's name in the reader's
    language, or the code as stored."""
    carrier = carrier_named(code)
    return carrier.label if carrier else code

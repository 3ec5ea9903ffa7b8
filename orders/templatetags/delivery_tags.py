"""What the order pages and messages show of a part's carrier: its name in the reader's
language and its public tracking page (orders/shipping/carriers.py). A carrier typed
before the list is shown as typed, without a link."""

from django import template

from orders.models import OrderPart
from orders.shipping.carriers import carrier_named

register = template.Library()


@register.filter
def carrier_label(part: OrderPart) -> str:
    """`{{ part|carrier_label }}`: the carrier's name, or the text typed for it."""
    carrier = carrier_named(part.carrier)
    return carrier.label if carrier else part.carrier


@register.filter
def tracking_url(part: OrderPart) -> str:
    """`{{ part|tracking_url }}`: the carrier's page for the part's parcel, else ""."""
    carrier = carrier_named(part.carrier)
    if carrier is None or not part.tracking_number:
        return ""
    return carrier.url_for(part.tracking_number)

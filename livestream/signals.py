"""Framework hooks of the livestream app."""

from livestream.models import LiveStream, stream_channel
from orders.models import CartItem, OrderLine


def forget_deleted_streams_sales(sender, instance: LiveStream, **kwargs) -> None:
    """What was bought from a deleted stream's page stops being the stream's: its cart
    items and order lines become the web store's (as the foreign key they once had to the
    stream was set to null), so the impact board counts them as web sales."""
    channel = stream_channel(instance.pk)
    CartItem.objects.filter(channel=channel).update(channel="")
    OrderLine.objects.filter(channel=channel).update(channel="")

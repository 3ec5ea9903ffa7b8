"""Moving streams between states (staff, or beat at the scheduled times) and reminding
the shoppers who asked, each once."""

from collections.abc import Container
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Product
from core.db import lock_row
from core.transitions import TransitionTable
from livestream import counters
from livestream.messages import STREAM_REMINDER
from livestream.models import FeaturedProduct, LiveStream, StreamReminder
from notifications.reminders import send_due_reminders

TRANSITION_REFUSED = _("A stream that is %(current)s cannot become %(new)s.")
STATE_TRANSITIONS = TransitionTable(
    LiveStream.State,
    {
        LiveStream.State.SCHEDULED: {LiveStream.State.LIVE, LiveStream.State.ENDED},
        LiveStream.State.LIVE: {LiveStream.State.ENDED},
        LiveStream.State.ENDED: set(),
    },
    refused=TRANSITION_REFUSED,
    code="stream_transition",
)
NOT_THE_STREAMS_VENDOR = _(
    "%(product)s is sold by %(vendor)s, which is not one of this stream's vendors: add "
    "that vendor to the stream, or choose another product."
)


def refuse_another_vendors_product(product: Product, vendor_ids: Container[int]) -> None:
    """A stream features only what its own vendors sell (two shops may sell products of
    the same name)."""
    if product.vendor_id not in vendor_ids:
        raise ValidationError(
            NOT_THE_STREAMS_VENDOR,
            code="not_the_streams_vendor",
            params={"product": product.name, "vendor": product.vendor.name},
        )


def feature_product(
    stream: LiveStream,
    product: Product,
    *,
    position: int = 0,
    stream_price: Decimal | None = None,
) -> FeaturedProduct:
    """Show one of the stream's vendors' products on it; raises ValidationError for a
    product of another vendor, or a stream price not below the product's price."""
    refuse_another_vendors_product(product, set(stream.vendors.values_list("pk", flat=True)))
    featured = FeaturedProduct(
        stream=stream, product=product, position=position, stream_price=stream_price
    )
    featured.full_clean()
    featured.save()
    return featured


def _move(stream: LiveStream, new_state: str, now: datetime) -> LiveStream:
    with transaction.atomic():
        stream = lock_row(LiveStream, stream.pk)
        STATE_TRANSITIONS.check(stream.state, new_state)
        stream.state = new_state
        if new_state == LiveStream.State.LIVE:
            stream.started_at = now
        else:
            stream.ended_at = now
        stream.save(update_fields=["state", "started_at", "ended_at", "updated_at"])
        transaction.on_commit(lambda: counters.forget_summary(stream.slug))
    return stream


def go_live(stream: LiveStream, now: datetime | None = None) -> LiveStream:
    """The host is on air (staff press it, or beat at the scheduled start)."""
    return _move(stream, LiveStream.State.LIVE, now or timezone.now())


def end_stream(stream: LiveStream, now: datetime | None = None) -> LiveStream:
    """Off air (or cancelled before it began); stream prices stop at once."""
    return _move(stream, LiveStream.State.ENDED, now or timezone.now())


def sweep_streams(now: datetime | None = None) -> dict[str, int]:
    """Beat's minute: streams whose start came go live, those whose end came end, and
    reminders due are sent through the outbox. Running it twice or late does no harm."""

    now = now or timezone.now()
    started = ended = 0
    for stream in LiveStream.objects.filter(
        state=LiveStream.State.SCHEDULED, scheduled_start__lte=now, scheduled_end__gt=now
    ):
        try:
            go_live(stream, now)
            started += 1
        except ValidationError:  # staff moved it meanwhile
            pass
    for stream in LiveStream.objects.filter(
        state__in=[LiveStream.State.SCHEDULED, LiveStream.State.LIVE], scheduled_end__lte=now
    ):
        try:
            end_stream(stream, now)
            ended += 1
        except ValidationError:
            pass
    due = send_due_reminders(
        StreamReminder.objects.filter(
            stream__state__in=[LiveStream.State.SCHEDULED, LiveStream.State.LIVE]
        ),
        about="stream",
        kind=STREAM_REMINDER,
        key=lambda stream: f"stream-reminder:{stream.pk}",
        context=_reminder_context,
        now=now,
        due=lambda stream: stream.reminder_due_at() <= now,
    )
    return {"started": started, "ended": ended, "reminded": len(due)}


def _reminder_context(stream: LiveStream) -> dict:
    """What a reminder says of its stream, in both languages."""
    return {
        "title": stream.title,
        "host": stream.host_name,
        "host_title": stream.host_title,
        "title_en": stream.title_en,
        "host_en": stream.host_name_en,
        "host_title_en": stream.host_title_en,
        "starts_at": timezone.localtime(stream.scheduled_start).strftime("%Y-%m-%d %H:%M"),
    }

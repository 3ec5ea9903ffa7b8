"""Data only: each cart item's and order line's stream becomes its channel
("livestream:<id>"), and back when reversed. In batches of primary keys, one UPDATE per
batch (SQLite and PostgreSQL alike), each batch committed on its own (the migration is
not atomic), so checkouts never wait on a long transaction holding the order lines."""

from django.db import migrations, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat

BATCH = 2000
PREFIX = "livestream:"  # livestream/channels.py's channels, as they were written then
MODELS = ("CartItem", "OrderLine")


def _batches(queryset):
    """The primary keys of `queryset` in ascending batches of BATCH."""
    last = 0
    while True:
        ids = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            return
        yield ids
        last = ids[-1]


def streams_to_channels(apps, schema_editor):
    for name in MODELS:
        model = apps.get_model("orders", name)
        for ids in _batches(model.objects.filter(stream__isnull=False)):
            with transaction.atomic():
                model.objects.filter(pk__in=ids).update(
                    channel=Concat(Value(PREFIX), Cast("stream", CharField()))
                )


def channels_to_streams(apps, schema_editor):
    for name in MODELS:
        model = apps.get_model("orders", name)
        for ids in _batches(model.objects.filter(channel__startswith=PREFIX)):
            rows = model.objects.filter(pk__in=ids).values_list("pk", "channel")
            streams = {}
            for pk, channel in rows:
                stream_id = channel.removeprefix(PREFIX)
                if stream_id.isdigit():
                    streams.setdefault(int(stream_id), []).append(pk)
            with transaction.atomic():
                for stream_id, pks in streams.items():
                    model.objects.filter(pk__in=pks).update(stream=stream_id)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("orders", "0021_sales_channel"),
    ]

    operations = [migrations.RunPython(streams_to_channels, channels_to_streams, elidable=True)]

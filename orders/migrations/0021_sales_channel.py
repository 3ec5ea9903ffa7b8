"""The stream an item was bought from becomes a sales channel that orders owns: a text
("livestream:<id>", "" for the web store) in place of the stream's id, so orders no
longer refers to livestream (orders/channels.py). The attribution is copied over in
batches of primary keys, one UPDATE per batch (SQLite and PostgreSQL alike), and back
when reversed; then the old columns (and on a database that had them, their foreign
keys) go."""

from django.db import migrations, models
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
            for stream_id, pks in streams.items():
                model.objects.filter(pk__in=pks).update(stream=stream_id)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0020_order_line_price_cut"),
    ]

    operations = [
        migrations.AddField(
            model_name="cartitem",
            name="channel",
            field=models.CharField(
                blank=True, db_index=True, max_length=40, verbose_name="livestream"
            ),
        ),
        migrations.AddField(
            model_name="orderline",
            name="channel",
            field=models.CharField(
                blank=True, db_index=True, max_length=40, verbose_name="livestream"
            ),
        ),
        migrations.RunPython(streams_to_channels, channels_to_streams, elidable=True),
        migrations.RemoveField(model_name="cartitem", name="stream"),
        migrations.RemoveField(model_name="orderline", name="stream"),
    ]

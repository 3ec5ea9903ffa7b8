"""The kind of message livestreams send, declared to the outbox from
LivestreamConfig.ready(); written by livestream.services.sweep_streams."""

from django.utils.translation import gettext_lazy as _

from notifications import kinds

STREAM_REMINDER = "stream_reminder"


def register_kinds() -> None:
    kinds.register(
        STREAM_REMINDER,
        _("livestream about to start (reminder)"),
        templates=f"livestream/messages/{STREAM_REMINDER}",
    )

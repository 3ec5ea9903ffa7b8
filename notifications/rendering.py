"""A message's subject and body, rendered at delivery in its recipient's language, from
the rows it is about as they are then (its kind's loader brings them)."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from core.names import in_shoppers_language
from notifications import kinds
from notifications.languages import language_of
from notifications.models import Notification


def _in_language(context: dict) -> dict:
    """The message's context in the active language: a value with an English twin
    (`vendor` and `vendor_en`, say) becomes the twin for readers of English, if it has
    one, so any kind that puts `<name>_en` beside `<name>` gets it."""
    return {
        **context,
        **{
            name[:-3]: in_shoppers_language(context.get(name[:-3], ""), english)
            for name, english in context.items()
            if name.endswith("_en")
        },
    }


def render_notification(notification: Notification) -> tuple[str, str]:
    """(subject, body) of a message, in its recipient's language
    (notifications/languages.py), with what its kind's loader adds (an order as it is)."""
    if not hasattr(notification, "loaded_context"):
        kinds.load_contexts([notification])
    kind = kinds.get(notification.kind)
    context = {
        **notification.context,
        **notification.loaded_context,
        "site_url": settings.SITE_URL,
    }
    with translation.override(language_of(notification.recipient)):
        context = _in_language(context)
        subject = render_to_string(kind.subject_template, context)
        body = render_to_string(kind.body_template, context)
    return " ".join(subject.split())[:200], body

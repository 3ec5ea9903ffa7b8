"""The kinds of message, each declared by the app that sends it.

An app registers its kinds from its `AppConfig.ready()`: a name (stored on each
message), a label (the admin's), the templates its subject and body are rendered from,
whether the inbox shows it, the words of its inbox link, and optionally a loader that
adds to the context of a whole batch of messages at delivery, in a few queries however
many messages there are (the orders' loader brings their orders and parts as they are
now). The outbox itself never names a kind.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

# A loader is given the messages of one batch (all the kinds that share it) and returns
# {message pk: what to add to that message's context}.
Loader = Callable[[list], dict]


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    # Rendered with the message's context in its recipient's language.
    subject_template: str
    body_template: str
    # False for messages that go by email only (a password reset link).
    in_inbox: bool = True
    # The words of the inbox's link to `Notification.link`: a string, or a function of
    # the message for a kind whose link differs by recipient.
    link_label: str | Callable | None = None
    load: Loader | None = None
    # The message's body is not kept once sent (whoever holds a reset link holds the
    # account, and staff read the rows in the admin).
    keep_body: bool = True


_kinds: dict[str, Kind] = {}


def register(
    name: str,
    label: str,
    *,
    templates: str,
    in_inbox: bool = True,
    link_label: str | Callable | None = None,
    load: Loader | None = None,
    keep_body: bool = True,
) -> Kind:
    """Declare a kind of message. `templates` is the path of its templates without the
    ending: `<templates>_subject.txt` and `<templates>.txt`. Registering the same kind
    again is a no-op (ready() may run more than once in tests); another kind of the same
    name raises ImproperlyConfigured."""
    kind = Kind(
        name=name,
        label=label,
        subject_template=f"{templates}_subject.txt",
        body_template=f"{templates}.txt",
        in_inbox=in_inbox,
        link_label=link_label,
        load=load,
        keep_body=keep_body,
    )
    known = _kinds.get(name)
    if known is not None and known != kind:
        raise ImproperlyConfigured(f"two kinds of message are called {name!r}")
    _kinds[name] = kind
    return kind


def get(name: str) -> Kind:
    """The registered kind called `name` (KeyError for a kind no app declared)."""
    return _kinds[name]


def label(name: str) -> str:
    kind = _kinds.get(name)
    return kind.label if kind else name


def choices() -> list[tuple[str, str]]:
    """(name, label) of every registered kind, for the admin's filter."""
    return sorted((kind.name, kind.label) for kind in _kinds.values())


def hidden_from_inbox() -> list[str]:
    return sorted(kind.name for kind in _kinds.values() if not kind.in_inbox)


def load_contexts(messages: Iterable) -> None:
    """Run each loader once for the messages of the kinds that share it, and keep what it
    adds on each message (`loaded_context`) for rendering."""
    by_loader: dict = {}
    for message in messages:
        message.loaded_context = {}
        kind = _kinds.get(message.kind)
        if kind is not None and kind.load is not None:
            by_loader.setdefault(kind.load, []).append(message)
    for load, batch in by_loader.items():
        added = load(batch)
        for message in batch:
            message.loaded_context = added.get(message.pk, {})

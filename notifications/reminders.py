"""Reminders: "tell me when it starts", asked for by a shopper and sent once.

Each app keeps its own reminder rows (a promotion's, a stream's: a foreign key to what
they are about, `user`, `sent_at`); turning the due ones into messages is the same for
all, and happens here.
"""

from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.db.models import Model, QuerySet

from core.db import update_by_ids
from notifications.services import notify


def send_due_reminders(
    reminders: QuerySet,
    *,
    about: str,
    kind: str,
    key: Callable[[Model], str],
    context: Callable[[Model], dict],
    now: datetime,
    due: Callable[[Model], bool] | None = None,
) -> list[Model]:
    """Send the reminders among `reminders` not sent yet, once each, and return them.

    Locks the unsent rows (skipping those a second sweep running at the same moment
    holds), keeps those whose target (the row their foreign key `about` points to) is
    `due`, writes one message of `kind` to each reminder's user, one INSERT per target,
    under the dedupe key `key(target)` and with `context(target)`, and marks them sent
    at `now`: all in one transaction (the caller's, if it has one), so a reminder is
    sent exactly when it is marked sent."""
    with transaction.atomic():
        taken = [
            reminder
            for reminder in reminders.select_for_update(skip_locked=True, of=("self",))
            .filter(sent_at=None)
            .select_related(about)
            if due is None or due(getattr(reminder, about))
        ]
        targets = {}
        for reminder in taken:
            target = getattr(reminder, about)
            targets.setdefault(target.pk, (target, []))[1].append(reminder.user_id)
        for target, user_ids in targets.values():
            notify(user_ids, kind, key=key(target), context=context(target))
        update_by_ids(reminders.model, [reminder.pk for reminder in taken], sent_at=now)
    return taken

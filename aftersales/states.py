"""The states of an after-sales request and the only moves between them.

    requested ──approve──────────────▶ refunded          (refund only, cancel a line)
        │ ├─approve a return─▶ awaiting_return ─shopper ships─▶ returning ─shop receives─▶ refunded
        │ ├─offer part───▶ offered ─accept─▶ refunded
        │ │                  └─escalate─▶ escalated ─staff decide─▶ refunded | closed
        │ └─refuse───────▶ refused ─escalate─▶ escalated
        └─withdraw (from any open state but escalated, returning) ──▶ closed

A sweep acts for whoever lets a deadline pass (aftersales/services/sweeps.py): the shop's
silence approves, the shopper's silence accepts an offer or lets a refusal stand (closed),
a return not sent in time closes, goods back but not confirmed are received.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.transitions import TransitionTable


class State(models.TextChoices):
    REQUESTED = "requested", _("awaiting the shop's answer")
    OFFERED = "offered", _("partial refund offered")
    REFUSED = "refused", _("refused by the shop")
    AWAITING_RETURN = "awaiting_return", _("awaiting the return")
    RETURNING = "returning", _("goods on their way back")
    ESCALATED = "escalated", _("platform reviewing")
    REFUNDED = "refunded", _("refunded")
    CLOSED = "closed", _("closed")


OPEN_STATES = (
    State.REQUESTED,
    State.OFFERED,
    State.REFUSED,
    State.AWAITING_RETURN,
    State.RETURNING,
    State.ESCALATED,
)

TRANSITIONS = TransitionTable(
    State,
    {
        State.REQUESTED: {
            State.REFUNDED,
            State.OFFERED,
            State.REFUSED,
            State.AWAITING_RETURN,
            State.CLOSED,
        },
        State.OFFERED: {State.REFUNDED, State.ESCALATED, State.CLOSED},
        State.REFUSED: {State.ESCALATED, State.CLOSED},
        State.AWAITING_RETURN: {State.RETURNING, State.CLOSED},
        State.RETURNING: {State.REFUNDED},
        State.ESCALATED: {State.REFUNDED, State.CLOSED},
        State.REFUNDED: set(),
        State.CLOSED: set(),
    },
    refused=_("This request is now “%(current)s”: it cannot move to “%(new)s”."),
    code="illegal_move",
)

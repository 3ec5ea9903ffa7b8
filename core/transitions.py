"""The one transition checker: a status may move only along its table's arrows."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import models


class TransitionTable:
    """The moves a status field allows: `{current: {next, …}}` over a TextChoices.
    `check(current, new)` raises ValidationError(refused, code) naming both statuses by
    their labels (`%(current)s`, `%(new)s` in the message)."""

    def __init__(
        self,
        choices: type[models.TextChoices],
        moves: Mapping[str, set[str]],
        *,
        refused: str,
        code: str,
    ) -> None:
        missing = set(choices.values) - set(moves)
        if missing:
            raise ValueError(f"no moves given from {sorted(missing)}")
        self.choices = choices
        self.moves = {current: frozenset(targets) for current, targets in moves.items()}
        self.refused = refused
        self.code = code

    def allows(self, current: str, new: str) -> bool:
        return new in self.moves[current]

    def check(self, current: str, new: str) -> None:
        if not self.allows(current, new):
            raise ValidationError(
                self.refused,
                code=self.code,
                params={"current": self.choices(current).label, "new": self.choices(new).label},
            )

    def __getitem__(self, current: str) -> frozenset[str]:
        return self.moves[current]

"""What else the season calendar (the admin's, catalog/promotions/admin.py) shows beside
the promotions. catalog may not import the apps above it, so each registers a provider
in its AppConfig.ready(): livestream adds its streams this way."""

from collections.abc import Callable, Iterable
from datetime import datetime

# provider(start, end) -> [(name, object, starts_at, ends_at)]: the bars in that window,
# each shown by the calendar template under `name` (e.g. "stream").
CalendarProvider = Callable[[datetime, datetime], Iterable[tuple]]
_providers: list[CalendarProvider] = []


def register(provider: CalendarProvider) -> None:
    """Show `provider`'s bars on the season calendar (the same provider again is a no-op:
    ready() may run twice in tests)."""
    if provider not in _providers:
        _providers.append(provider)


def calendar_bars(start: datetime, end: datetime) -> list[tuple]:
    """Every registered provider's bars between `start` and `end`, in registration order."""
    return [bar for provider in _providers for bar in provider(start, end)]

"""The store's flash messages: Django's storage (a cookie, the session when it overflows),
but a message is not added twice while the first is still waiting to be shown (a double
click, a retried POST, the same refusal for two reasons): the next page shows it once."""

from typing import Any

from django.contrib.messages.storage.fallback import FallbackStorage


class OnceStorage(FallbackStorage):
    def add(self, level: int, message: Any, extra_tags: str = "") -> None:
        # Messages loaded from the request are dropped once a page has shown them.
        waiting = [*self._queued_messages, *([] if self.used else self._loaded_messages)]
        if any(m.level == level and str(m.message) == str(message) for m in waiting):
            return
        super().add(level, message, extra_tags)

"""Parallel shoppers in one process: each call in a thread of its own, all let go at the
same instant, as buyers pressing "Place order" together (PostgreSQL: each thread has a
connection of its own; SQLite's in-memory test database serialises them).

    outcomes = all_at_once([partial(checkout, cart) for cart in carts], language="en")
    orders = [o for o in outcomes if isinstance(o, Order)]

For separate processes on one SQLite file see tests/orders/sqlite_race.py.
"""

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.utils import translation

TIMEOUT = 60  # seconds, for every thread to finish: generous, for a busy 2-core machine


def all_at_once(
    calls: Sequence[Callable[[], Any]], *, language: str | None = None, timeout: float = TIMEOUT
) -> list[Any]:
    """Run each of `calls` (no arguments) in a thread of its own, all released at once by
    a barrier; return what each returned, or the exception it raised, in the order of
    `calls`. Each thread activates `language` first (translations are per thread) and
    closes its own database connection when done. Raises TimeoutError if a call is still
    running after `timeout` seconds."""
    start = threading.Barrier(len(calls), timeout=timeout)
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        if language is not None:
            translation.activate(language)
        try:
            start.wait()
            outcomes[index] = call()
        except Exception as error:  # noqa: BLE001 - an outcome like any other
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(timeout=max(0, deadline - time.monotonic()))
    running = [index for index, thread in enumerate(threads) if thread.is_alive()]
    if running:
        raise TimeoutError(f"calls {running} still running after {timeout}s")
    return outcomes

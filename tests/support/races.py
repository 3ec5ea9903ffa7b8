"""Parallel shoppers: each call in a thread (or a process) of its own, all let go at the
same instant, as buyers pressing "Place order" together.

    outcomes = all_at_once([partial(checkout, cart) for cart in carts], language="en")
    orders = [o for o in outcomes if isinstance(o, Order)]

Threads share this process's test database (PostgreSQL: each thread has a connection of
its own; SQLite's in-memory one serialises them). `processes=True` forks one process per
call instead, as gunicorn's workers are: for a database in a file (tests/orders/sqlite_race.py).
"""

import multiprocessing
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, connections
from django.utils import translation

TIMEOUT = 60  # seconds, for every call to finish: generous, for a busy 2-core machine


class ProcessDied(Exception):
    """The outcome of a call whose process did not exit with 0 (a crash): `exitcode`."""

    def __init__(self, exitcode: int | None) -> None:
        super().__init__(f"the buyer's process exited with {exitcode}")
        self.exitcode = exitcode


def _run(call: Callable[[], Any], start: Any, language: str | None) -> Any:
    """One call, in its own thread or process: `language` on, released with the others;
    what it returned or the exception it raised. Its database connection is closed after."""
    if language is not None:
        translation.activate(language)
    try:
        start.wait()
        return call()
    except Exception as error:  # noqa: BLE001 - an outcome like any other
        return error
    finally:
        connection.close()


def all_at_once(
    calls: Sequence[Callable[[], Any]],
    *,
    language: str | None = None,
    timeout: float = TIMEOUT,
    processes: bool = False,
) -> list[Any]:
    """Run each of `calls` (no arguments) in a thread of its own (a forked process with
    `processes=True`), all released at once by a barrier; return what each returned, or
    the exception it raised, in the order of `calls`. Each activates `language` first
    (translations are per thread) and closes its own database connection when done.
    Raises TimeoutError if a call is still running after `timeout` seconds. A process's
    outcome comes back pickled; one that did not exit with 0 is a ProcessDied instead."""
    if processes:
        return _in_processes(calls, language=language, timeout=timeout)
    start = threading.Barrier(len(calls), timeout=timeout)
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        outcomes[index] = _run(call, start, language)

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    _join(threads, timeout)
    return outcomes


def _in_processes(
    calls: Sequence[Callable[[], Any]], *, language: str | None, timeout: float
) -> list[Any]:
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(len(calls), timeout=timeout), context.Queue()

    def run(index: int, call: Callable[[], Any]) -> None:
        results.put((index, _run(call, start, language)))

    connections.close_all()  # each process opens its own connection
    children = [context.Process(target=run, args=item) for item in enumerate(calls)]
    for child in children:
        child.start()
    outcomes: dict[int, Any] = {}
    deadline = time.monotonic() + timeout
    while len(outcomes) < len(children) and time.monotonic() < deadline:
        try:
            index, outcome = results.get(timeout=0.2)
            outcomes[index] = outcome
        except queue.Empty:  # see whether they all exited meanwhile
            if all(child.exitcode is not None for child in children) and results.empty():
                break
    _join(children, max(0, deadline - time.monotonic()))
    return [
        outcomes[index]
        if index in outcomes and child.exitcode == 0
        else ProcessDied(child.exitcode)
        for index, child in enumerate(children)
    ]


def _join(workers: Sequence[threading.Thread | multiprocessing.Process], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for worker in workers:
        worker.join(timeout=max(0, deadline - time.monotonic()))
    running = [index for index, worker in enumerate(workers) if worker.is_alive()]
    if running:
        raise TimeoutError(f"calls {running} still running after {timeout}s")

"""Loading many rows fast on PostgreSQL, for the demo and benchmark catalogs.

`copy_rows` prepares objects' values as `bulk_create` would, `copy` writes them with
COPY (no INSERT to build and bind), `new_ids` takes ids from a table's sequence in
order, and `run_in_threads` runs writing jobs on a few connections at once: the server's
work per row (stored columns, indexes) then uses another core while this one builds
the next batch.
"""

import queue
import threading
from collections.abc import Callable, Iterable, Iterator

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Field, Model


def copied_fields(model: type[Model], *, with_pk: bool) -> list[Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if not field.generated and (with_pk or not field.primary_key)
    ]


def copy_rows(objs: list[Model], *, with_pk: bool) -> list[list[object]]:
    """The values bulk_create would write for `objs` (new rows of one model): stamped
    (auto_now…) now, in the order they come."""
    fields = copied_fields(type(objs[0]), with_pk=with_pk)
    db = connections[DEFAULT_DB_ALIAS]  # not the `connection` proxy: a lookup per value
    return [[f.get_db_prep_save(f.pre_save(obj, True), db) for f in fields] for obj in objs]


def copy(model: type[Model], rows: list[list[object]], *, with_pk: bool) -> None:
    """Write `rows` (from copy_rows) with PostgreSQL's COPY: the same rows as
    bulk_create, without an INSERT's parameters to bind (and, with DEBUG, to log)."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in copied_fields(model, with_pk=with_pk))
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def new_ids(model: type[Model], count: int) -> list[int]:
    """`count` ids from the table's own sequence, in increasing order (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return sorted(pk for (pk,) in cursor.fetchall())


def run_in_threads(jobs: Iterable[Callable[[], int]], threads: int) -> Iterator[int]:
    """Run `jobs` (taken from the iterable in this thread) on `threads` threads, each with
    its own database connection (closed at the end); yield each one's result as it
    finishes, and raise the first error one raised (the jobs not started are dropped)."""
    todo: queue.Queue[Callable[[], int] | None] = queue.Queue(maxsize=threads)
    done: queue.Queue[int | Exception] = queue.Queue()
    stop = threading.Event()

    def work() -> None:
        try:
            while (job := todo.get()) is not None:
                if stop.is_set():
                    continue
                try:
                    done.put(job())
                except Exception as error:  # raised in the calling thread
                    done.put(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    pending = 0

    def finished(wait: bool) -> Iterator[int]:
        nonlocal pending
        while pending and (wait or not done.empty()):
            result = done.get()
            pending -= 1
            if isinstance(result, Exception):
                raise result
            yield result

    try:
        for job in jobs:
            todo.put(job)
            pending += 1
            yield from finished(wait=False)
        yield from finished(wait=True)
    finally:
        stop.set()
        for _worker in workers:
            todo.put(None)
        for worker in workers:
            worker.join()

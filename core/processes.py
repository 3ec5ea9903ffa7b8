"""Which kind of process this is, read by the settings before Django is set up (so no
Django imports here)."""

from pathlib import Path


def process_kind(argv: list[str]) -> str:
    """The kind of process: "web" for gunicorn, runserver and the tests; "background"
    for the Celery worker and beat and for management commands (a backfill, an export,
    a payout run)."""
    program = Path(argv[0]).name if argv else ""
    if program == "celery" or (program == "__main__.py" and "celery" in argv[0]):
        return "background"
    if program == "manage.py" and argv[1:2] != ["runserver"]:
        return "background"
    return "web"

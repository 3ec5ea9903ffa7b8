from celery import shared_task

from livestream.services import sweep_streams


@shared_task
def sweep_streams_task() -> dict[str, int]:
    """Every minute from beat; running it twice or late does no harm."""
    return sweep_streams()

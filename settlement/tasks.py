import logging

from celery import shared_task

from settlement.books import check_books

logger = logging.getLogger("settlement")


@shared_task
def check_books_task() -> bool:
    """Nightly: the books checked; any difference logged as an error (staff read it on
    the admin's Books check page, or with `manage.py check_books`)."""
    report = check_books()
    if not report.balanced:
        logger.error(
            "the books do not balance: %d shop(s), %d order(s), %d missing entr(ies); "
            "received %s, accounted %s",
            len(report.shops),
            len(report.orders),
            len(report.missing),
            report.total.received,
            report.total.accounted,
        )
    return report.balanced

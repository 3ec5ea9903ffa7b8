"""No web request runs unbounded on PostgreSQL.

Each connection of a web process starts with `statement_timeout` set (settings:
DATABASE_STATEMENT_TIMEOUT_MS; the worker, beat and commands get the longer
DATABASE_BACKGROUND_STATEMENT_TIMEOUT_MS), so a statement that would keep its gunicorn
worker busy long after the shopper has gone is cancelled by the server. Its transaction
rolls back (nothing it was doing happens), and this middleware answers with a page that
says so and what to try (503, Retry-After), instead of the error page.
"""

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

RETRY_AFTER_SECONDS = 5


def statement_timed_out(error: BaseException) -> bool:
    """Whether PostgreSQL cancelled the statement for statement_timeout."""
    cause = error.__cause__
    return getattr(getattr(cause, "diag", None), "sqlstate", None) == "57014"


class StatementTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not (isinstance(exception, OperationalError) and statement_timed_out(exception)):
            return None
        searching = bool(request.GET.get("q"))
        template = "partials/too_long.html" if request.htmx else "too_long.html"
        response = render(request, template, {"searching": searching}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        if request.htmx:
            response["HX-Reswap"] = "none"
        return response

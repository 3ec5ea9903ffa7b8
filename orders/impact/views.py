"""The public impact board (/impact/)."""

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone

from catalog.page_cache import cached_page
from orders import channels
from orders.impact.selectors import impact_board


def board(request):
    """Whole page cached for visitors not signed in, like the catalog's pages, until the
    board it shows is IMPACT_CACHE_SECONDS old (so the figures are never older)."""
    shown = {}

    def render_board(extra_context):
        shown["board"] = impact_board()
        return render(
            request,
            "orders/impact.html",
            {"board": shown["board"], "channel_links": channels.index_links(), **extra_context},
        )

    def seconds_left():
        age = (timezone.now() - shown["board"].computed_at).total_seconds()
        return max(0.0, settings.IMPACT_CACHE_SECONDS - age)

    return cached_page(request, render_board, max_age=seconds_left)

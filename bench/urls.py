"""The store's URLs plus /__floor__/ (the cheapest page Django can serve) and
/__impact_uncached__/ (the impact board recomputed on every request).

The floor view goes through the same WSGI handler and the same middleware stack as the
shop's pages, and does nothing else: no query, no cache, no template. Its throughput is
the ceiling any page of this deployment can reach.
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from hubei_market.urls import urlpatterns as store_urlpatterns
from orders.impact.selectors import build_board


def floor(request):
    return HttpResponse("ok", content_type="text/plain")


def impact_uncached(request):
    """/impact/ with the board computed from the rollups on every request (the page
    shares one computed board for IMPACT_CACHE_SECONDS): what a recomputation costs."""
    return render(request, "orders/impact.html", {"board": build_board()})


urlpatterns = [
    path("__floor__/", floor, name="bench-floor"),
    path("__impact_uncached__/", impact_uncached, name="bench-impact-uncached"),
    *store_urlpatterns,
]

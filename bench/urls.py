"""The store's URLs plus /__floor__/: the cheapest page Django can serve.

The floor view goes through the same WSGI handler and the same middleware stack as the
shop's pages, and does nothing else: no query, no cache, no template. Its throughput is
the ceiling any page of this deployment can reach.
"""

from django.http import HttpResponse
from django.urls import path

from hubei_market.urls import urlpatterns as store_urlpatterns


def floor(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("__floor__/", floor, name="bench-floor"), *store_urlpatterns]

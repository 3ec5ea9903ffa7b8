"""The project's URLs with a stand-in for the vendor funds page (vendor:funds), which
settlement's payout messages link to, while the dashboard's page is not on this branch
(the same as tests/settlement/funds_urls.py on the ledger-tests branch)."""

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path

from hubei_market import urls as project_urls
from hubei_market import vendor_urls


def _funds(request: HttpRequest) -> HttpResponse:
    return HttpResponse("funds")


def _is_vendor(pattern: URLPattern | URLResolver) -> bool:
    return isinstance(pattern, URLResolver) and pattern.urlconf_name is vendor_urls


vendor_patterns = [*vendor_urls.urlpatterns, path("funds/", _funds, name="funds")]
urlpatterns = [
    path("vendor/", include((vendor_patterns, "vendor"))),
    *(p for p in project_urls.urlpatterns if not _is_vendor(p)),
]

"""The project's URLs, with the shop's funds page (vendor:funds, which settlement's
payout messages link to) stood in for until the vendor dashboard's is mounted."""

from django.http import HttpResponse
from django.urls import include, path

from hubei_market import urls, vendor_urls

patterns = list(vendor_urls.urlpatterns)
if not any(getattr(p, "name", None) == "funds" for p in patterns):
    patterns.append(path("funds/", lambda request: HttpResponse(), name="funds"))

urlpatterns = [path("vendor/", include((patterns, "vendor"))), *urls.urlpatterns]

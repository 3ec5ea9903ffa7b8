import pytest
from django.urls import NoReverseMatch, clear_url_caches, reverse


@pytest.fixture(autouse=True)
def _funds_page(settings):
    """The demo's payout messages link to the vendor funds page: a stand-in while the
    dashboard's page is not on this branch (tests/demo/funds_urls.py)."""
    try:
        reverse("vendor:funds")
    except NoReverseMatch:
        settings.ROOT_URLCONF = "tests.demo.funds_urls"
        clear_url_caches()
    yield
    clear_url_caches()

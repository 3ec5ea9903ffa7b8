import pytest
from django.urls import NoReverseMatch, clear_url_caches, reverse
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Messages and errors as an English-speaking user reads them."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _funds_page(settings):
    """Settlement's messages link to the vendor funds page: a stand-in while the
    dashboard's page is not on this branch (tests/settlement/funds_urls.py)."""
    try:
        reverse("vendor:funds")
    except NoReverseMatch:
        settings.ROOT_URLCONF = "tests.settlement.funds_urls"
        clear_url_caches()
    yield
    clear_url_caches()

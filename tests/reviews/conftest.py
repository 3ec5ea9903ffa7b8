import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """The services' messages as an English-speaking shopper reads them."""
    with translation.override("en"):
        yield

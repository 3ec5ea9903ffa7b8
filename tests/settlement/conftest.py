import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Messages and errors as an English-speaking user reads them."""
    with translation.override("en"):
        yield


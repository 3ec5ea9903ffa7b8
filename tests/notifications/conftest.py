import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever the default language."""
    with translation.override("en"):
        yield

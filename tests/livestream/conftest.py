import pytest

from catalog.models import County
from tests.factories import LiveStreamFactory


@pytest.fixture
def live(db):
    return LiveStreamFactory(
        slug="qianjiang-live", county=County.objects.get(slug="qianjiang-city")
    )

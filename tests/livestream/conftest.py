from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import County
from livestream.models import LiveStream


@pytest.fixture
def live(db):
    now = timezone.now()
    return LiveStream.objects.create(
        title="潜江小龙虾直播间",
        slug="qianjiang-live",
        host_name="副市长",
        host_title="潜江市副市长",
        county=County.objects.get(slug="qianjiang-city"),
        scheduled_start=now - timedelta(hours=1),
        scheduled_end=now + timedelta(hours=2),
        state=LiveStream.State.LIVE,
    )

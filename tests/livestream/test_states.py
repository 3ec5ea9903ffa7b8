from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from catalog.models import County
from livestream import services
from livestream.models import FeaturedProduct, LiveStream, StreamReminder
from notifications.models import LanguagePreference, Notification
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db
START = timezone.make_aware(timezone.datetime(2026, 4, 20, 19, 30))


@pytest.fixture
def stream(db):
    return LiveStream.objects.create(
        title="县长带你吃秭归脐橙",
        title_en="The magistrate's Zigui oranges",
        slug="zigui-live",
        host_name="王县长",
        host_title="秭归县县长",
        county=County.objects.get(slug="zigui"),
        scheduled_start=START,
        scheduled_end=START + timedelta(hours=2),
        reminder_minutes=15,
    )


def test_beat_starts_and_ends_a_stream_at_its_times_once_even_when_late(stream):
    assert services.sweep_streams(START - timedelta(seconds=1))["started"] == 0

    first = services.sweep_streams(START)
    again = services.sweep_streams(START + timedelta(minutes=1))
    stream.refresh_from_db()
    assert (first["started"], again["started"], stream.state) == (1, 0, "live")
    assert stream.started_at == START

    late = services.sweep_streams(START + timedelta(hours=5))  # beat was down for hours
    stream.refresh_from_db()
    assert (late["ended"], stream.state, stream.ended_at) == (
        1,
        "ended",
        START + timedelta(hours=5),
    )


def test_a_stream_whose_whole_window_passed_while_beat_was_down_just_ends(stream):
    result = services.sweep_streams(START + timedelta(days=1))

    stream.refresh_from_db()
    assert (result["started"], result["ended"], stream.state) == (0, 1, "ended")


def test_staff_can_go_live_early_and_illegal_moves_are_refused(stream):
    services.go_live(stream)
    services.end_stream(stream)

    with pytest.raises(ValidationError) as refused:
        services.go_live(stream)

    assert refused.value.code == "stream_transition"
    assert LiveStream.objects.get().state == "ended"


def test_reminders_go_out_once_before_the_start(
    stream, django_user_model, django_capture_on_commit_callbacks
):
    shopper = django_user_model.objects.create_user("fan", email="fan@example.cn")
    StreamReminder.objects.create(stream=stream, user=shopper)

    assert services.sweep_streams(START - timedelta(minutes=16))["reminded"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        first = services.sweep_streams(START - timedelta(minutes=15))
    again = services.sweep_streams(START - timedelta(minutes=14))

    assert (first["reminded"], again["reminded"]) == (1, 0)
    assert Notification.objects.get().kind == "stream_reminder"
    assert [m.subject for m in mail.outbox] == ["即将开播：县长带你吃秭归脐橙"]
    assert "王县长（秭归县县长）" in mail.outbox[0].body


def test_a_reminder_to_an_english_reader_names_the_stream_and_its_host_in_english(
    stream, django_user_model, django_capture_on_commit_callbacks
):
    LiveStream.objects.filter(pk=stream.pk).update(
        host_name_en="Magistrate Wang", host_title_en="the magistrate of Zigui"
    )
    english, chinese = (
        django_user_model.objects.create_user(name, email=f"{name}@example.cn")
        for name in ("tom", "xiaoming")
    )
    LanguagePreference.objects.create(user=english, language="en")
    for user in (english, chinese):
        StreamReminder.objects.create(stream=stream, user=user)

    with django_capture_on_commit_callbacks(execute=True):
        services.sweep_streams(START - timedelta(minutes=15))

    to = {message.to[0]: message for message in mail.outbox}
    assert to["tom@example.cn"].subject == "Live soon: The magistrate's Zigui oranges"
    assert "with Magistrate Wang (the magistrate of Zigui)" in to["tom@example.cn"].body
    assert to["xiaoming@example.cn"].subject == "即将开播：县长带你吃秭归脐橙"
    assert "王县长（秭归县县长）" in to["xiaoming@example.cn"].body


def test_a_stream_price_must_be_below_the_products_price(stream):
    oranges = ProductFactory(price=Decimal("59.90"))

    with pytest.raises(ValidationError, match="stream_price"):
        FeaturedProduct(stream=stream, product=oranges, stream_price=Decimal("60")).full_clean()
    FeaturedProduct(stream=stream, product=oranges, stream_price=Decimal("39.90")).full_clean()


def test_staff_run_streams_from_the_admin_and_see_them_on_the_calendar(staff_client, stream):
    changelist = reverse("admin:livestream_livestream_changelist")

    staff_client.post(changelist, {"action": "go_live", "_selected_action": [stream.pk]})
    calendar = staff_client.get(
        reverse("admin:catalog_promotion_calendar"), {"year": 2026, "month": 4}
    )

    assert LiveStream.objects.get().state == "live"
    assert "▶ 县长带你吃秭归脐橙" in calendar.content.decode()
    with time_machine.travel(START, tick=False):
        assert staff_client.get(changelist, {"state__exact": "live"}).status_code == 200

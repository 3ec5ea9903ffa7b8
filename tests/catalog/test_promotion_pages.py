from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from catalog.models import PromotionReminder
from catalog.promotions.services import sweep_promotions
from notifications.delivery import deliver_notification
from notifications.models import Notification
from tests.factories import ProductFactory, running_promotion

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def season(db):
    now = timezone.now()
    oranges = ProductFactory(name="秭归脐橙", price=Decimal("59.90"))
    tea = ProductFactory(name="恩施玉露", price=Decimal("128.00"))
    on_now = running_promotion(
        oranges, name="脐橙节", name_en="Navel orange days", slug="orange-days", value="20"
    )
    soon = running_promotion(
        tea,
        name="春茶上新",
        name_en="First flush tea",
        slug="tea",
        kind="amount_off",
        value="10",
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=5),
    )
    running_promotion(
        tea,
        name="去年的",
        slug="old",
        starts_at=now - timedelta(days=400),
        ends_at=now - timedelta(days=390),
    )
    return on_now, soon, oranges, tea


def test_the_promotions_page_shows_what_is_on_and_what_is_coming(client, season):
    html = client.get(reverse("catalog:promotions"), **EN).content.decode()

    on_now = html.index("On now")
    coming = html.index("Coming soon")
    assert on_now < html.index("Navel orange days") < coming < html.index("First flush tea")
    assert "20% off" in html and "¥10.00 off" in html
    assert "去年的" not in html
    # One to the end of what is on; to the start of what is coming, and to its end (shown
    # when it starts, without a reload).
    assert html.count('<time class="countdown"') == 3


def test_a_landing_page_lists_the_promotions_products_at_the_promotion_price(client, season):
    on_now, _soon, oranges, tea = season

    html = client.get(on_now.get_absolute_url(), **EN).content.decode()

    assert oranges.get_absolute_url() in html and tea.get_absolute_url() not in html
    assert '<strong class="price-promo">¥47.92</strong>' in html
    assert client.get(reverse("catalog:promotion", args=["nope"])).status_code == 404


def test_an_upcoming_landing_shows_its_products_at_todays_price_and_a_reminder(client, season):
    _on_now, soon, _oranges, _tea = season

    html = client.get(soon.get_absolute_url(), **EN).content.decode()

    assert "¥128.00" in html and "price-promo" not in html
    assert "Remind me when it starts" in html


def test_remind_me_needs_a_sign_in_and_is_sent_once_when_it_starts(
    client, season, django_user_model, django_capture_on_commit_callbacks
):
    _on_now, soon, _oranges, _tea = season
    remind = reverse("catalog:promotion_remind", args=[soon.slug])
    assert client.post(remind)["Location"].startswith(reverse("login"))
    shopper = django_user_model.objects.create_user("xiaohong", email="xh@example.cn")
    client.force_login(shopper)

    client.post(remind)
    client.post(remind)  # twice is once
    page = client.get(soon.get_absolute_url(), **EN).content.decode()
    assert "You will be told when it starts." in page
    assert PromotionReminder.objects.count() == 1

    assert sweep_promotions().reminded == 0  # not started yet
    with time_machine.travel(soon.starts_at + timedelta(seconds=30), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            first = sweep_promotions()
        again = sweep_promotions()

    assert (first.started, first.reminded, again.started, again.reminded) == (1, 1, 0, 0)
    told = Notification.objects.get(kind="promotion_started")
    assert told.recipient == shopper
    assert [m.subject for m in mail.outbox] == ["“春茶上新”已开始"]
    assert f"/promotions/{soon.slug}/" in mail.outbox[0].body
    assert deliver_notification(told.pk) is False  # sent once


def test_a_reminder_for_an_ended_promotion_is_refused(client, season, django_user_model):
    client.force_login(django_user_model.objects.create_user("late"))

    response = client.post(reverse("catalog:promotion_remind", args=["old"]), follow=True, **EN)

    assert "This promotion has ended." in response.content.decode()
    assert not PromotionReminder.objects.exists()


def test_the_sweep_notes_starts_and_ends_once_even_when_late(season):
    on_now, soon, _oranges, _tea = season

    first = sweep_promotions()
    second = sweep_promotions()
    with time_machine.travel(soon.ends_at + timedelta(hours=3), tick=False):  # hours late
        late = sweep_promotions()

    assert (first.started, first.ended) == (2, 1)  # on now, and last year's (started, ended)
    assert (second.started, second.ended) == (0, 0)
    assert (late.started, late.ended) == (1, 2)  # the tea sale began and ended; and orange days
    on_now.refresh_from_db()
    assert on_now.start_noted_at is not None and on_now.end_noted_at is not None


@pytest.mark.django_db(transaction=True)  # the scheduler closes and reopens its connection
def test_beat_keeps_its_schedule_in_the_database_where_staff_see_it(staff_client):
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    from hubei_market.celery import app

    DatabaseScheduler(app=app)  # what `celery beat` does when it starts

    sweep = PeriodicTask.objects.get(name="sweep-promotions")
    assert (sweep.task, sweep.interval.every, sweep.interval.period) == (
        "catalog.tasks.sweep_promotions_task",
        60,
        "seconds",
    )
    page = staff_client.get(reverse("admin:django_celery_beat_periodictask_changelist"))
    assert "sweep-promotions" in page.content.decode()


def test_a_keyword_can_land_on_a_promotion(client, season):
    from catalog.models import KeywordLanding

    on_now = season[0]
    landing = KeywordLanding(keyword="脐橙节", target="promotion", promotion=on_now)
    landing.full_clean()
    landing.save()

    response = client.get(reverse("catalog:search"), {"q": "脐橙节"})

    html = response.content.decode()
    assert '<p class="landing-keyword">搜索“脐橙节”</p>' in html
    assert f"<h1>{on_now.display_name}</h1>" in html
    assert f'<a href="{on_now.get_absolute_url()}">' in html
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        KeywordLanding(keyword="促销", target="promotion").full_clean()
    assert list(refused.value.message_dict) == ["promotion"]


@pytest.mark.parametrize("extra", [0, 8])
def test_the_promotions_page_runs_a_fixed_number_of_queries(
    client, season, extra, django_assert_num_queries
):
    for n in range(extra):
        running_promotion(season[2], slug=f"more-{n}")

    # the promotions running or coming, and the price schedule (2) that says until when
    # the cached page is good
    with django_assert_num_queries(3):
        assert client.get(reverse("catalog:promotions")).status_code == 200


def test_a_promotion_with_seventy_thousand_reminders_tells_everyone_in_one_sweep(
    season, django_user_model
):
    """More reminders than one PostgreSQL statement takes parameters (65,535)."""
    _on_now, soon, _oranges, _tea = season
    users = django_user_model.objects.bulk_create(
        (django_user_model(username=f"fan{i}") for i in range(70_000)), batch_size=10_000
    )
    if users[0].pk is None:  # backends that return no ids from a bulk INSERT
        users = list(django_user_model.objects.filter(username__startswith="fan"))
    PromotionReminder.objects.bulk_create(
        (PromotionReminder(promotion=soon, user=user) for user in users), batch_size=10_000
    )

    with time_machine.travel(soon.starts_at + timedelta(seconds=30), tick=False):
        swept = sweep_promotions()
        again = sweep_promotions()

    assert (swept.reminded, again.reminded) == (70_000, 0)
    assert not PromotionReminder.objects.filter(sent_at=None).exists()
    assert Notification.objects.filter(kind="promotion_started").count() == 70_000

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from catalog.models import Promotion
from tests.factories import ProductFactory, image_bytes, running_promotion, upload

pytestmark = pytest.mark.django_db
ADD = reverse("admin:catalog_promotion_add")


def form(**changes):
    now = timezone.localtime()
    return {
        "name": "端午粽子节",
        "name_en": "Dragon Boat sale",
        "slug": "dragon-boat",
        "description": "",
        "description_en": "",
        "kind": "percent_off",
        "value": "15",
        "units_cap": "",
        "per_shopper_limit": "",
        "starts_at_0": (now + timedelta(days=1)).strftime("%Y-%m-%d"),
        "starts_at_1": "10:00:00",
        "ends_at_0": (now + timedelta(days=3)).strftime("%Y-%m-%d"),
        "ends_at_1": "22:00:00",
        **changes,
    }


def test_staff_schedule_a_promotion_and_see_what_it_touches(staff_client):
    tea, eggs = ProductFactory(), ProductFactory()
    ProductFactory(category=tea.category, status="draft")  # not on sale: not counted

    response = staff_client.post(ADD, form(categories=[tea.category_id], products=[eggs.pk]))

    promotion = Promotion.objects.get()
    assert response.status_code == 302
    assert promotion.state_at() == Promotion.State.SCHEDULED
    change = staff_client.get(reverse("admin:catalog_promotion_change", args=[promotion.pk]))
    assert '<div class="readonly">2</div>' in change.content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_at_0": "2020-01-01"}, "The end must be after the start."),
        ({"value": "100"}, "A percentage off is a whole number from 1 to 99."),
        ({"value": "0"}, "Ensure this value is greater than or equal to 0.01."),
        ({"products": []}, "Choose what the promotion applies to"),
        (
            {"kind": "special_price", "value": "60"},
            "A special price must be below the normal price",
        ),
        ({"banner": upload("b.jpg", b"not an image")}, "Upload a valid image."),
    ],
)
def test_a_promotion_that_makes_no_sense_is_refused(staff_client, changes, message):
    product = ProductFactory(price=Decimal("59.90"), name="秭归脐橙")

    response = staff_client.post(ADD, {**form(products=[product.pk]), **changes})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Promotion.objects.exists()


def test_a_banner_is_stored_re_encoded(staff_client):
    product = ProductFactory()

    staff_client.post(
        ADD,
        form(
            products=[product.pk],
            banner=upload("banner.png", image_bytes("PNG", size=(1200, 400)), "image/png"),
        ),
    )

    assert Promotion.objects.get().banner.name.endswith(".jpg")


def test_duplicating_copies_the_scope_with_nothing_sold(staff_client):
    product = ProductFactory()
    original = running_promotion(product, units_cap=50)
    Promotion.objects.filter(pk=original.pk).update(units_sold=20)

    staff_client.post(
        reverse("admin:catalog_promotion_changelist"),
        {"action": "duplicate", "_selected_action": [original.pk]},
    )

    copy = Promotion.objects.exclude(pk=original.pk).get()
    assert (copy.units_sold, copy.units_cap, list(copy.products.all())) == (0, 50, [product])
    assert copy.slug == f"{original.slug}-copy"
    # scheduled right after the original, for as long: never live next to it
    assert copy.starts_at == original.ends_at
    assert copy.ends_at - copy.starts_at == original.ends_at - original.starts_at
    assert copy.state_at() == Promotion.State.SCHEDULED


def test_saving_in_the_admin_keeps_units_sold_meanwhile_and_a_cap_below_them_is_refused(
    staff_client,
):
    product = ProductFactory()
    flash = running_promotion(product, units_cap=50)
    url = reverse("admin:catalog_promotion_change", args=[flash.pk])
    page = form(products=[product.pk], units_cap="50")
    local = timezone.localtime(flash.starts_at), timezone.localtime(flash.ends_at)
    page.update(
        {
            "slug": flash.slug,
            "starts_at_0": local[0].strftime("%Y-%m-%d"),
            "starts_at_1": local[0].strftime("%H:%M:%S"),
            "ends_at_0": local[1].strftime("%Y-%m-%d"),
            "ends_at_1": local[1].strftime("%H:%M:%S"),
        }
    )
    Promotion.objects.filter(pk=flash.pk).update(units_sold=20)  # sold while staff typed

    staff_client.post(url, {**page, "name": "新名字"})
    refused = staff_client.post(url, {**page, "units_cap": "10"})

    flash.refresh_from_db()
    assert (flash.name, flash.units_sold, flash.units_cap) == ("新名字", 20, 50)
    assert "20 discounted units are sold already" in refused.content.decode()


def test_the_list_filters_by_state_and_the_calendar_shows_the_season(staff_client):
    product = ProductFactory()
    now = timezone.now()
    running_promotion(product, name="正在进行")
    running_promotion(
        product, name="即将开始", starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=4)
    )
    may = timezone.make_aware(timezone.datetime(now.year, 5, 1))
    running_promotion(product, name="五一", starts_at=may, ends_at=may + timedelta(days=5))
    changelist = reverse("admin:catalog_promotion_changelist")

    running = staff_client.get(changelist, {"state": "running"}).content.decode()
    calendar = staff_client.get(
        reverse("admin:catalog_promotion_calendar"), {"year": now.year, "month": 5}
    ).content.decode()

    assert "正在进行" in running and "即将开始" not in running
    assert "五一" in calendar and "season-bar" in calendar
    assert "Season calendar" in staff_client.get(changelist).content.decode()


CALENDAR = reverse("admin:catalog_promotion_calendar")


def shanghai(*args):
    return timezone.make_aware(timezone.datetime(*args))


@pytest.mark.parametrize(
    ("language", "title", "links"),
    [
        ("en", "Season calendar: December 2026", ["‹ November 2026", "January 2027 ›"]),
        ("zh-hans", "促销日历：2026年12月", ["‹ 2026年11月", "2027年1月 ›"]),
    ],
)
def test_the_calendar_opens_on_this_month_in_shanghai(staff_client, language, title, links):
    product = ProductFactory()
    running_promotion(
        product, name="双十二", starts_at=shanghai(2026, 12, 10), ends_at=shanghai(2026, 12, 13)
    )
    running_promotion(
        product, name="五一", starts_at=shanghai(2026, 5, 1), ends_at=shanghai(2026, 5, 5)
    )
    staff_client.defaults["HTTP_ACCEPT_LANGUAGE"] = language

    # 1 December, 00:30 in Shanghai is still 30 November in UTC.
    with time_machine.travel(shanghai(2026, 12, 1, 0, 30), tick=False):
        page = staff_client.get(CALENDAR).content.decode()

    assert title in page and all(link in page for link in links)
    assert "双十二" in page and "五一" not in page
    assert 'href="?year=2026&amp;month=11"' in page and 'href="?year=2027&amp;month=1"' in page


def test_the_calendar_reaches_any_month_and_shows_what_runs_in_it(staff_client):
    product = ProductFactory()
    running_promotion(
        product, name="春节年货节", starts_at=shanghai(2027, 1, 25), ends_at=shanghai(2027, 2, 10)
    )

    for month in range(1, 13):
        page = staff_client.get(CALENDAR, {"year": 2027, "month": month}).content.decode()
        assert ("春节年货节" in page) == (month in (1, 2))
        assert f'<option value="{month}" selected>' in page
    january = staff_client.get(CALENDAR, {"year": 2027, "month": 1}).content.decode()
    assert (
        "No promotions or livestreams this month."
        in staff_client.get(CALENDAR, {"year": 2027, "month": 3}).content.decode()
    )
    assert "‹ December 2026" in january


@pytest.mark.parametrize(
    ("language", "query", "shown", "message"),
    [
        ("en", {"month": "13"}, 7, "“13” is not a month from 1 to 12; showing this month."),
        ("en", {"month": "五月"}, 7, "“五月” is not a month from 1 to 12; showing this month."),
        ("en", {"year": "99999", "month": "5"}, 5, "“99999” is not a year from 2000 to 2100"),
        ("zh-hans", {"month": "0"}, 7, "“0”不是 1 到 12 之间的月份，现在显示本月。"),
    ],
)
def test_a_month_that_is_not_one_shows_this_month_and_says_so(
    staff_client, language, query, shown, message
):
    staff_client.defaults["HTTP_ACCEPT_LANGUAGE"] = language

    with time_machine.travel(shanghai(2026, 7, 15, 12), tick=False):
        response = staff_client.get(CALENDAR, query)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["month"] == date(2026, shown, 1)


def test_the_calendar_reads_a_constant_number_of_queries(staff_client, session_reads):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from livestream.models import LiveStream

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(CALENDAR, {"year": 2027, "month": 1}).status_code == 200
        return len(captured)

    product = ProductFactory()
    county = product.origin_county

    def add(n):
        running_promotion(
            product,
            name=f"促销{n}",
            starts_at=shanghai(2027, 1, n),
            ends_at=shanghai(2027, 1, n + 2),
        )
        LiveStream.objects.create(
            title=f"直播{n}",
            slug=f"live-{n}",
            host_name="县长",
            host_title="县长",
            county=county,
            scheduled_start=shanghai(2027, 1, n, 19),
            scheduled_end=shanghai(2027, 1, n, 21),
        )

    add(1)
    few = queries()
    for n in range(2, 12):
        add(n)

    assert queries() == few == session_reads + 3  # user, promotions, livestreams

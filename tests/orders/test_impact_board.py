"""The public impact board, pledges, the staff export and the vendor's contribution."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from orders.impact import selectors as impact_selectors
from orders.impact.models import DailySales, Dimension, Pledge
from tests.factories import CategoryFactory, CountyFactory, ProductFactory, VendorFactory
from tests.orders.test_impact import order

pytestmark = pytest.mark.django_db
BOARD = "/impact/"


@pytest.fixture
def sold(django_user_model):
    """Three orders: 2 boxes of oranges (10 kg), 1 of tea (250 g), 4 kg of crayfish."""
    zigui = CountyFactory(name_zh="秭归县", name_en="Zigui County")
    citrus = CategoryFactory(name_zh="柑橘", name_en="Citrus")
    tea = CategoryFactory(name_zh="茶叶", name_en="Tea")
    orchard = VendorFactory(county=zigui)
    oranges = ProductFactory(
        vendor=orchard,
        category=citrus,
        origin_county=zigui,
        price=Decimal("59.90"),
        net_weight_g=5000,
        stock=50,
    )
    tea_tin = ProductFactory(category=tea, price=Decimal("128.00"), net_weight_g=250, stock=50)
    crayfish = ProductFactory(price=Decimal("98.00"), net_weight_g=2000, stock=50)
    order(django_user_model, (oranges, 2))
    order(django_user_model, (tea_tin, 1))
    order(django_user_model, (crayfish, 2))
    return {"zigui": zigui, "citrus": citrus, "orchard": orchard, "oranges": oranges}


def test_the_board_shows_tons_transactions_and_sales_from_the_orders(client, sold):
    page = client.get(BOARD, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<dd data-figure="tons">0.01 t</dd>' in page  # 14.25 kg
    assert '<dd data-figure="orders">3</dd>' in page
    assert '<dd data-figure="revenue">¥443.80</dd>' in page  # 119.80 + 128 + 196
    assert "Citrus" in page and "Zigui County" in page
    assert "<svg" in page and 'class="chart-bar"' in page


def test_the_board_speaks_chinese(client, sold):
    page = client.get(BOARD, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "柑橘" in page and "秭归县" in page
    assert "成交笔数" in page


def test_with_nothing_sold_the_board_says_so(client, db):
    page = client.get(BOARD, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Nothing sold yet" in page
    assert '<dd data-figure="orders">0</dd>' in page


def test_a_pledge_shows_its_progress_in_its_scope_and_period(client, sold):
    today = timezone.localdate()
    Pledge.objects.create(
        pledger="秭归县人民政府",
        pledger_en="Zigui County government",
        title="销售秭归脐橙 0.02 吨",
        title_en="Sell 0.02 t of Zigui oranges",
        measure=Pledge.Measure.TONS,
        target=Decimal("0.02"),
        scope=Dimension.COUNTY,
        county=sold["zigui"],
        starts_on=today - timedelta(days=7),
        ends_on=today + timedelta(days=7),
    )
    Pledge.objects.create(
        pledger="专区",
        title="柑橘销售额 ¥1,000",
        measure=Pledge.Measure.YUAN,
        target=Decimal("1000"),
        scope=Dimension.CATEGORY,
        category=sold["citrus"],
        starts_on=today,
        ends_on=today,
    )
    Pledge.objects.create(
        pledger="去年",
        title="去年的承诺",
        measure=Pledge.Measure.TONS,
        target=Decimal("1"),
        starts_on=date(2020, 3, 1),
        ends_on=date(2020, 6, 30),
    )

    page = client.get(BOARD, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    pledges = {p.title: p for p in impact_selectors.build_board().pledges}

    assert "0.01 t of 0.02 t (50.0%)" in page  # the 10 kg of Zigui oranges
    assert "¥119.80 of ¥1,000.00 (12.0%)" in page
    assert pledges["去年的承诺"].achieved == 0  # sales outside its period do not count
    assert pledges["销售秭归脐橙 0.02 吨"].achieved == Decimal("0.01")


def test_a_pledge_must_name_its_scope_and_have_a_positive_target(db):
    pledge = Pledge(
        pledger="潜江市",
        title="小龙虾",
        measure=Pledge.Measure.YUAN,
        target=Decimal("0"),
        scope=Dimension.CATEGORY,
        county=CountyFactory(),
        starts_on=date(2026, 4, 1),
        ends_on=date(2026, 3, 1),
    )

    with pytest.raises(ValidationError) as refused:
        pledge.full_clean()

    with translation.override("en"):
        messages = {k: [str(m) for m in v] for k, v in refused.value.message_dict.items()}
    assert messages["category"] == ["Required for this scope."]
    assert messages["county"] == ["Leave this empty for this scope."]
    assert "target" in messages and "ends_on" in messages


def test_the_board_costs_the_same_queries_at_any_number_of_orders(
    sold, django_user_model, django_assert_num_queries
):
    with django_assert_num_queries(7):
        impact_selectors.build_board()
    for _ in range(10):
        order(django_user_model, (sold["oranges"], 1))
    with django_assert_num_queries(7):
        impact_selectors.build_board()


def test_visitors_share_the_computed_board_for_a_minute(
    client, sold, settings, django_assert_num_queries
):
    settings.IMPACT_CACHE_SECONDS = 60
    client.get(BOARD)

    with django_assert_num_queries(0):
        assert client.get(BOARD).status_code == 200


def test_the_series_is_zero_filled_and_ends_today(sold):
    board = impact_selectors.build_board()

    assert len(board.series) == impact_selectors.SERIES_DAYS
    assert board.series[-1].day == timezone.localdate()
    assert board.series[-1].orders == 3 and board.series[0].orders == 0
    assert max(c.height for c in board.columns) > 0


def test_staff_export_the_rollups_as_csv_with_names(admin_client, sold):
    response = admin_client.get(
        reverse("admin:orders_dailysales_export"), {"dimension__exact": "county"}
    )
    body = b"".join(response.streaming_content).decode("utf-8")

    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert {row["by"] for row in rows} == {"county"}
    zigui = next(row for row in rows if row["id"] == str(sold["zigui"].pk))
    assert "秭归县" in zigui["name"]
    assert (zigui["transactions"], zigui["tons"], zigui["revenue_cny"]) == (
        "1",
        "0.010000",
        "119.80",
    )


def test_only_staff_can_export(client, sold, django_user_model):
    client.force_login(django_user_model.objects.create_user("shopper"))

    response = client.get(reverse("admin:orders_dailysales_export"))

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_see_rollups_and_pledges_with_progress_in_the_admin(admin_client, sold):
    today = timezone.localdate()
    Pledge.objects.create(
        pledger="专区",
        title="一吨",
        measure=Pledge.Measure.TONS,
        target=Decimal("1"),
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=30),
    )

    rollups = admin_client.get(reverse("admin:orders_dailysales_changelist")).content.decode()
    pledges = admin_client.get(reverse("admin:orders_pledge_changelist")).content.decode()

    assert "秭归县" in rollups and "export.csv" in rollups
    assert '<progress max="100" value="1.425"></progress> 1.4%' in pledges


def test_the_rebuild_action_recomputes_the_chosen_days(admin_client, sold):
    DailySales.objects.filter(dimension=Dimension.ALL).update(orders=99)
    day = DailySales.objects.filter(dimension=Dimension.ALL).get()

    admin_client.post(
        reverse("admin:orders_dailysales_changelist"),
        {"action": "rebuild_days", "_selected_action": [day.pk]},
    )

    assert DailySales.objects.get(dimension=Dimension.ALL).orders == 3


def test_a_vendor_sees_its_part_of_the_zones_tons(client, sold, django_user_model):
    owner = django_user_model.objects.create_user("orchard-owner")
    sold["orchard"].members.add(owner)
    client.force_login(owner)

    page = client.get(reverse("vendor:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Your shop sold 0.01 t of the 0.01 t the zone sold" in page
    assert "(70.2%)" in page  # 10 kg of 14.25 kg


def test_a_vendor_name_cannot_become_a_spreadsheet_formula(admin_client, sold):
    sold["orchard"].__class__.objects.filter(pk=sold["orchard"].pk).update(
        name='=HYPERLINK("http://evil.example","x")'
    )

    response = admin_client.get(
        reverse("admin:orders_dailysales_export"), {"dimension__exact": "vendor"}
    )
    body = b"".join(response.streaming_content).decode("utf-8")

    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body


def test_an_unknown_filter_in_the_export_address_is_a_clear_400(admin_client, sold):
    response = admin_client.get(reverse("admin:orders_dailysales_export"), {"nope__gt": "1"})

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("largest", "top", "ticks"),
    [
        (Decimal("0.31"), Decimal("0.4"), ["0", "0.1", "0.2", "0.3", "0.4"]),
        (Decimal("3.2"), Decimal("4"), ["0", "1", "2", "3", "4"]),
        (Decimal("0.45"), Decimal("0.5"), ["0", "0.1", "0.2", "0.3", "0.4", "0.5"]),
        (Decimal("12"), Decimal("20"), ["0", "5", "10", "15", "20"]),
    ],
)
def test_the_daily_chart_has_round_ticks(largest, top, ticks):
    from orders.impact.charts import nice_ceiling

    found, intervals = nice_ceiling(largest)

    assert found == top
    assert [f"{(found * n / intervals).normalize():f}" for n in range(intervals + 1)] == ticks

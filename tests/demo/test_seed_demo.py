from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.http import HttpRequest

from catalog.models import County, KeywordLanding, Prefecture, Product, ProductImage, Vendor

pytestmark = pytest.mark.django_db


def seed(products):
    out = StringIO()
    call_command("seed_demo", products=products, no_progress=True, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_places_come_from_the_reference_migration():
    assert Prefecture.objects.count() == 17
    assert County.objects.count() == 103
    zigui = County.objects.get(slug="zigui")
    assert (zigui.name_zh, zigui.prefecture.name_zh, zigui.known_for_zh) == (
        "秭归县",
        "宜昌市",
        "秭归脐橙",
    )


def test_seed_builds_a_believable_catalog_and_prints_a_staff_login(client, settings):
    output = seed(120)

    assert Product.objects.count() == 120
    assert ProductImage.objects.count() == 120
    assert Vendor.objects.filter(status=Vendor.Status.PENDING).exists()
    assert Product.objects.filter(name__contains="秭归脐橙", origin_county__slug="zigui").exists()
    assert Product.objects.filter(name__contains="潜江小龙虾").exists()
    assert set(KeywordLanding.objects.values_list("keyword", flat=True)) >= {
        "湖北",
        "help hubei",
        "助农",
        "小龙虾",
    }
    assert len(list((settings.MEDIA_ROOT / "products" / "demo").glob("*.jpg"))) == 13 * 3
    username, password = output.split("Staff login for /admin/: ")[1].split()[0:3:2]
    assert client.login(request=HttpRequest(), username=username, password=password)
    assert get_user_model().objects.get(username=username).is_staff


def test_seed_prints_a_vendor_login_that_opens_the_zigui_dashboard(client):
    output = seed(20)

    username, password = output.split("Vendor login for /vendor/: ")[1].split()[0:3:2]
    assert client.login(request=HttpRequest(), username=username, password=password)
    page = client.get("/vendor/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sales, last 30 days" in page and "秭归" in page
    assert "password unchanged" in seed(20).split("Vendor login")[1]


def test_seeding_again_adds_only_what_is_missing():
    seed(50)
    first_names = list(Product.objects.order_by("slug").values_list("slug", "name", "price"))

    output = seed(80)
    seed(80)

    assert "30 new products" in output
    assert Product.objects.count() == 80
    assert list(Product.objects.order_by("slug").values_list("slug", "name", "price"))[:50] == (
        first_names
    )
    assert Vendor.objects.filter(slug="zigui-coop").count() == 1


def test_seeding_again_keeps_the_staff_password_and_staff_changes(client, monkeypatch):
    output = seed(10)
    username, password = output.split("Staff login for /admin/: ")[1].split()[0:3:2]
    KeywordLanding.objects.filter(keyword="助农").update(is_active=False)

    again = seed(10)

    assert "password unchanged" in again
    assert client.login(request=HttpRequest(), username=username, password=password)
    assert KeywordLanding.objects.get(keyword="助农").is_active is False
    monkeypatch.setenv("DEMO_STAFF_PASSWORD", "chosen-demo-password")
    seed(10)
    assert client.login(request=HttpRequest(), username=username, password="chosen-demo-password")


def test_a_negative_product_count_is_refused():
    with pytest.raises(CommandError, match="--products must be 0 or more."):
        seed(-1)


def test_seed_plans_a_season_of_promotions_with_some_running_now():
    from django.utils import timezone

    from catalog.models import Promotion

    seed(60)
    year = timezone.localdate().year
    season = Promotion.objects.filter(slug__startswith=f"season-{year}-")
    now = timezone.now()

    assert season.count() == 100
    assert all(p.starts_at.month in (4, 5, 6) for p in season)
    assert Promotion.objects.filter(starts_at__lte=now, ends_at__gt=now).count() >= 3
    assert Promotion.objects.filter(starts_at__gt=now).exists()
    assert all(
        p.products.exists() or p.categories.exists() or p.counties.exists() or p.vendors.exists()
        for p in Promotion.objects.all()
    )
    before = Promotion.objects.count()
    seed(60)
    assert Promotion.objects.count() == before


def test_seed_adds_the_zigui_stream_with_its_replay_one_live_and_two_coming():
    from livestream.models import LiveStream

    seed(300)

    states = dict(LiveStream.objects.values_list("slug", "state"))
    assert states == {
        "zigui-oranges-2020": "ended",
        "qianjiang-crayfish-live": "live",
        "enshi-tea-live": "scheduled",
        "honghu-lotus-live": "scheduled",
    }
    assert LiveStream.objects.get(slug="zigui-oranges-2020").replay_url
    assert LiveStream.objects.get(slug="zigui-oranges-2020").featured.exists()
    seed(300)
    assert LiveStream.objects.count() == 4


def test_the_number_of_demo_orders_is_chosen_and_a_negative_one_refused():
    from orders.models import Order

    call_command("seed_demo", products=20, orders=50, no_progress=True, stdout=StringIO())
    web_store = Order.objects.filter(shopper__username__startswith="demo-shopper-").exclude(
        parts__lines__channel__startswith="livestream:"
    )  # the streams' own orders come beside them
    assert web_store.distinct().count() == 50
    with pytest.raises(CommandError, match="--orders must be 0 or more."):
        call_command("seed_demo", products=20, orders=-1, stdout=StringIO())

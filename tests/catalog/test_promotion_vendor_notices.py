"""A vendor hears when a promotion discounts its products: when staff schedule it, and
when it starts; once each per vendor, to its owner and members."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from catalog.models import Promotion, Vendor, VendorMember
from catalog.promotions.services import sweep_promotions
from notifications.delivery import deliver_notification
from notifications.models import Notification
from notifications.rendering import render_notification
from tests.catalog.test_promotion_admin import ADD, form
from tests.factories import CategoryFactory, CountyFactory, ProductFactory, make_shop

pytestmark = pytest.mark.django_db
PLANNED, STARTED = "vendor_promo_planned", "vendor_promo_started"


@pytest.fixture
def zone(django_user_model):
    """Zigui's co-operative (an owner and a staff member) sells three oranges in the
    category, one a draft; Enshi's sells tea from the county; Jianli's sells outside the
    scope; a suspended shop sells in the category."""
    oranges, county = CategoryFactory(slug="oranges"), CountyFactory(slug="enshi-county")
    zigui_owner, zigui = make_shop(django_user_model, "zigui")
    zigui_staff = django_user_model.objects.create_user("zigui-staff", email="s@example.cn")
    VendorMember.objects.create(vendor=zigui, user=zigui_staff, role=VendorMember.Role.STAFF)
    for name, name_en in [("秭归脐橙", "Zigui navel oranges"), ("伦晚脐橙", "Late navels")]:
        ProductFactory(vendor=zigui, category=oranges, name=name, name_en=name_en)
    ProductFactory(vendor=zigui, category=oranges, name="草稿橙", status="draft")
    enshi_owner, enshi = make_shop(django_user_model, "enshi")
    ProductFactory(vendor=enshi, origin_county=county, name="恩施玉露", name_en="Enshi Yulu")
    jianli_owner, jianli = make_shop(django_user_model, "jianli")
    ProductFactory(vendor=jianli, name="监利小龙虾")
    hidden_owner, hidden = make_shop(django_user_model, "hidden", status=Vendor.Status.SUSPENDED)
    ProductFactory(vendor=hidden, category=oranges, name="停业橙")
    return {
        "oranges": oranges,
        "county": county,
        "told": {zigui_owner, zigui_staff, enshi_owner},
        "zigui": zigui,
    }


def _schedule(staff_client, zone, **changes):
    page = form(
        categories=[zone["oranges"].pk],
        counties=[zone["county"].pk],
        kind="amount_off",
        value="8",
        **changes,
    )
    response = staff_client.post(ADD, page)
    assert response.status_code == 302
    return Promotion.objects.get(slug="dragon-boat"), page


def test_staff_scheduling_a_promotion_tells_each_vendor_it_discounts_once(staff_client, zone):
    promotion, page = _schedule(staff_client, zone)
    change = reverse("admin:catalog_promotion_change", args=[promotion.pk])
    staff_client.post(change, {**page, "name": "端午节"})  # saved again: nobody told twice
    staff_client.post(change, {**page, "name": "端午节"})

    told = Notification.objects.filter(kind=PLANNED)
    assert {n.recipient for n in told} == zone["told"]
    assert told.count() == 3
    zigui = told.get(recipient__username="zigui-owner").context
    assert zigui["product_count"] == 2  # the draft is not on sale
    assert zigui["path"] == "/vendor/"


def test_a_vendor_brought_into_the_scope_later_is_told_then(staff_client, zone, django_user_model):
    promotion, page = _schedule(staff_client, zone)
    late_owner, late = make_shop(django_user_model, "late")
    ProductFactory(vendor=late, name="晚到的货")
    product = late.products.get()

    change = reverse("admin:catalog_promotion_change", args=[promotion.pk])
    staff_client.post(change, {**page, "products": [product.pk]})

    told = Notification.objects.filter(kind=PLANNED)
    assert told.count() == 4 and told.filter(recipient=late_owner).count() == 1


def test_the_vendors_message_names_the_promotion_its_dates_discount_and_products(
    staff_client, zone, settings
):
    promotion, _page = _schedule(staff_client, zone)
    message = Notification.objects.get(kind=PLANNED, recipient__username="zigui-owner")
    starts = timezone.localtime(promotion.starts_at).strftime("%Y-%m-%d %H:%M")
    ends = timezone.localtime(promotion.ends_at).strftime("%Y-%m-%d %H:%M")

    assert deliver_notification(message.pk)
    sent = mail.outbox[-1]
    assert sent.to == ["zigui@example.cn"]
    for text in (
        "端午粽子节",
        starts,
        ends,
        "减 ¥8.00",
        "2 件",
        "秭归脐橙",
        "伦晚脐橙",
        "zigui合作社",
        "/vendor/",
    ):
        assert text in sent.subject + sent.body, text

    settings.LANGUAGE_CODE = "en"
    subject, body = render_notification(message)
    assert "Dragon Boat sale" in subject and starts in subject
    Vendor.objects.filter(pk=zone["zigui"].pk).update(name_en="Zigui Co-op")
    message.context["vendor_en"] = "Zigui Co-op"  # as written for a shop with an English name
    subject, body = render_notification(message)
    for text in (
        "Dragon Boat sale",
        "¥8.00 off",
        "2 products",
        "Zigui navel oranges",
        "Zigui Co-op",
        "Late navels",
        starts,
        ends,
        f"{settings.SITE_URL}/vendor/",
    ):
        assert text in body, text


def test_a_promotion_starting_tells_its_vendors_once_however_often_the_sweep_runs(
    staff_client, zone
):
    promotion, _page = _schedule(staff_client, zone)

    with time_machine.travel(promotion.starts_at + timedelta(seconds=5), tick=False):
        first = sweep_promotions()
        sweep_promotions()
    with time_machine.travel(promotion.starts_at + timedelta(minutes=5), tick=False):
        sweep_promotions()

    assert first.started == 1
    started = Notification.objects.filter(kind=STARTED)
    assert {n.recipient for n in started} == zone["told"] and started.count() == 3
    message = started.get(recipient__username="enshi-owner")
    subject, body = render_notification(message)
    assert "端午粽子节" in subject and "已开始" in subject
    assert "恩施玉露" in body and "1 件" in body and "减 ¥8.00" in body


def test_a_promotion_with_many_products_names_a_few_and_counts_the_rest(
    staff_client, zone, settings
):
    for n in range(5):
        ProductFactory(
            vendor=zone["zigui"], category=zone["oranges"], name=f"脐橙{n}", price=Decimal("30.00")
        )
    _schedule(staff_client, zone)
    message = Notification.objects.get(kind=PLANNED, recipient__username="zigui-owner")

    settings.LANGUAGE_CODE = "en"
    _subject, body = render_notification(message)
    assert "7 products" in body and "and 4 more" in body


def test_a_rescheduled_promotion_tells_its_vendors_the_new_dates_once(staff_client, zone):
    promotion, page = _schedule(staff_client, zone)
    change = reverse("admin:catalog_promotion_change", args=[promotion.pk])
    moved = {**page, "starts_at_1": "12:00:00"}

    staff_client.post(change, moved)
    staff_client.post(change, moved)  # saved again unchanged: nobody told twice
    promotion.refresh_from_db()
    new_start = timezone.localtime(promotion.starts_at).strftime("%Y-%m-%d %H:%M")

    told = Notification.objects.filter(kind=PLANNED, recipient__username="zigui-owner")
    assert told.count() == 2
    latest = told.order_by("pk").last()
    subject, body = render_notification(latest)
    assert new_start in subject and new_start in body and "12:00" in new_start

    staff_client.post(change, {**moved, "value": "10"})  # another discount: told again
    assert told.count() == 3
    assert "减 ¥10.00" in render_notification(told.order_by("pk").last())[1]
    assert Notification.objects.filter(kind=PLANNED).count() == 9


CHANGED = "vendor_promo_changed"


def test_a_rescheduled_promotion_says_it_moved(staff_client, zone, settings):
    promotion, page = _schedule(staff_client, zone)
    change = reverse("admin:catalog_promotion_change", args=[promotion.pk])
    staff_client.post(change, {**page, "starts_at_1": "12:00:00"})

    first, moved = Notification.objects.filter(
        kind=PLANNED, recipient__username="zigui-owner"
    ).order_by("pk")
    subject, body = render_notification(first)
    assert "已改期" not in subject + body
    subject, body = render_notification(moved)
    assert "已改期" in subject and "已改期" in body and "12:00" in body
    settings.LANGUAGE_CODE = "en"
    subject, body = render_notification(moved)
    assert "has been rescheduled" in subject and "has been rescheduled" in body
    assert "rescheduled" not in "".join(render_notification(first))


def _running(staff_client, zone):
    """The promotion, scheduled and then started (its vendors told by the sweep)."""
    promotion, page = _schedule(staff_client, zone)
    traveller = time_machine.travel(promotion.starts_at + timedelta(hours=1), tick=False)
    traveller.start()
    sweep_promotions()
    return promotion, page, traveller


def test_a_running_promotion_cut_short_or_repriced_tells_its_vendors_what_changed(
    staff_client, zone, settings
):
    promotion, page, traveller = _running(staff_client, zone)
    try:
        change = reverse("admin:catalog_promotion_change", args=[promotion.pk])
        staff_client.post(change, {**page, "name": "端午节"})  # nothing vendors notice
        assert not Notification.objects.filter(kind=CHANGED).exists()

        shorter = {**page, "ends_at_1": "20:00:00"}
        assert staff_client.post(change, shorter).status_code == 302
        staff_client.post(change, shorter)  # saved again unchanged: nobody told twice
        told = Notification.objects.filter(kind=CHANGED)
        assert {n.recipient for n in told} == zone["told"] and told.count() == 3
        promotion.refresh_from_db()
        ends = timezone.localtime(promotion.ends_at).strftime("%Y-%m-%d %H:%M")
        assert ends.endswith("20:00")

        message = told.get(recipient__username="zigui-owner")
        subject, body = render_notification(message)
        assert "已调整" in subject and ends in subject
        assert f"促销“端午粽子节”已调整：现在于 {ends} 结束" in body
        assert "减 ¥8.00" in body and "原定于" in body and "22:00" in body
        assert "秭归脐橙" in body
        settings.LANGUAGE_CODE = "en"
        subject, body = render_notification(message)
        assert f"has changed: it now ends {ends}" in subject
        assert f"The promotion “Dragon Boat sale” has changed: it now ends {ends}" in body
        assert "¥8.00 off" in body and "It was to end" in body and "22:00" in body
        settings.LANGUAGE_CODE = "zh-hans"

        staff_client.post(change, {**shorter, "kind": "percent_off", "value": "20"})
        repriced = Notification.objects.filter(kind=CHANGED, recipient__username="enshi-owner")
        assert repriced.count() == 2
        subject, body = render_notification(repriced.order_by("pk").last())
        assert "原优惠为立减 ¥8.00" in body and "原定于" not in body

        staff_client.post(change, {**page, "kind": "percent_off", "value": "20"})  # end back
        assert repriced.count() == 3  # going back to an earlier end is news too
    finally:
        traveller.stop()


def test_a_vendor_brought_into_a_running_promotion_is_told_once(
    staff_client, zone, django_user_model, settings
):
    promotion, page, traveller = _running(staff_client, zone)
    try:
        late_owner, late = make_shop(django_user_model, "late")
        product = ProductFactory(vendor=late, name="晚到的货", name_en="Late goods")
        change = reverse("admin:catalog_promotion_change", args=[promotion.pk])
        staff_client.post(change, {**page, "products": [product.pk]})
        staff_client.post(change, {**page, "products": [product.pk]})

        told = Notification.objects.filter(kind=CHANGED)
        assert [n.recipient for n in told] == [late_owner]
        subject, body = render_notification(told.get())
        assert "现已" in subject and "晚到的货" in body and "现已包含" in body
        settings.LANGUAGE_CODE = "en"
        subject, body = render_notification(told.get())
        assert "now discounts your products" in subject
        assert "now includes 1 product of" in body and "Late goods" in body
    finally:
        traveller.stop()

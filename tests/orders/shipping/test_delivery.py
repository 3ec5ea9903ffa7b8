"""Delivery: the carrier from a list with its tracking page, each part's timeline, the
shopper confirming receipt (确认收货), and the sweep that confirms it automatically after
the days of its categories, reminding the shopper a day before."""

from datetime import timedelta
from functools import partial
from importlib import import_module

import pytest
import time_machine
from django.apps import apps as django_apps
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import LanguagePreference, Notification
from notifications.rendering import render_notification
from orders import services
from orders.forms import ShipPartForm
from orders.models import Order, OrderPart
from orders.shipping.services import delivery
from orders.tasks import sweep_deliveries_task
from tests.factories import CategoryFactory, OrderFactory, ProductFactory, make_shop
from tests.support.races import all_at_once

pytestmark = pytest.mark.django_db
ON_POSTGRES = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
SF_PAGE = "https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF1234567890"


@pytest.fixture
def shop(django_user_model):
    """(owner, vendor)"""
    return make_shop(django_user_model)


def paid_order(*products):
    """A confirmed (paid) order of one unit of each product."""
    order = OrderFactory(lines=[(product, 1) for product in products])
    return services.confirm_payment(order, by=None)


def ship(part, number="SF1234567890"):
    return services.ship_part(part, carrier="sf", tracking_number=number, by=None)


def in_english(*users):
    """Their messages are written in English (the store's default is Chinese)."""
    for user in users:
        LanguagePreference.objects.create(user=user, language="en")


def received_messages(user):
    return Notification.objects.filter(recipient=user, kind="part_received")


# The ship form


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"carrier": "顺丰速运", "tracking_number": "SF1234567890"}, "carrier"),
        ({"carrier": "", "tracking_number": "SF1234567890"}, "carrier"),
        ({"carrier": "sf\x00", "tracking_number": "SF1234567890"}, "carrier"),
        ({"carrier": "sf", "tracking_number": "SF 1234 5678"}, "tracking_number"),
        ({"carrier": "sf", "tracking_number": "SF12"}, "tracking_number"),
        ({"carrier": "sf", "tracking_number": "S" * 41}, "tracking_number"),
        ({"carrier": "sf", "tracking_number": "SF<b>123456"}, "tracking_number"),
        ({"carrier": "sf", "tracking_number": "SF123\x00456"}, "tracking_number"),
    ],
)
def test_the_ship_form_takes_a_carrier_of_the_list_and_a_plain_tracking_number(data, error):
    form = ShipPartForm(data)

    assert not form.is_valid()
    assert list(form.errors) == [error]
    if error == "carrier":
        assert form.errors["carrier"] == ["Choose the carrier from the list."]


def test_the_ship_form_trims_the_tracking_number_and_keeps_the_carriers_code():
    form = ShipPartForm({"carrier": "jd", "tracking_number": "  ＪＤ-1234567890 "})

    assert form.is_valid()
    assert form.cleaned_data == {"carrier": "jd", "tracking_number": "JD-1234567890"}


def test_a_vendor_shipping_with_a_typed_carrier_is_told_to_choose_one(client, shop):
    owner, vendor = shop
    part = paid_order(ProductFactory(vendor=vendor)).parts.get()
    client.force_login(owner)

    response = client.post(
        reverse("vendor:order_ship", args=[part.pk]),
        {"carrier": "某某快递", "tracking_number": "SF1234567890"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose the carrier from the list." in page
    assert "顺丰速运 SF Express" in page  # the list to choose from
    assert OrderPart.objects.get(pk=part.pk).status == OrderPart.Status.PENDING


# Tracking links


def test_the_carriers_tracking_page_shows_wherever_the_part_does(client, shop):
    owner, vendor = shop
    order = paid_order(ProductFactory(vendor=vendor))
    part = ship(order.parts.get())

    client.force_login(order.shopper)
    shopper_page = client.get(
        reverse("orders:detail", args=[order.number]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    client.force_login(owner)
    vendor_page = client.get(
        reverse("vendor:order", args=[part.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    shipped = Notification.objects.get(kind="part_shipped", recipient=order.shopper)
    _subject, body = render_notification(shipped)

    for page in (shopper_page, vendor_page):
        assert "Shipped with SF Express, tracking number SF1234567890." in page
        assert f'href="{SF_PAGE}"' in page
    assert SF_PAGE in body


def test_a_carrier_typed_before_the_list_shows_as_typed_without_a_link(client):
    order = paid_order(ProductFactory())
    part = ship(order.parts.get())
    OrderPart.objects.filter(pk=part.pk).update(carrier="老王快递")
    client.force_login(order.shopper)

    page = client.get(
        reverse("orders:detail", args=[order.number]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert "Shipped with 老王快递, tracking number SF1234567890." in page
    assert "Track the parcel" not in page


# The days before receipt is confirmed automatically


def test_shipping_sets_the_automatic_confirmation_from_the_categories(settings):
    fresh = CategoryFactory(auto_confirm_days=3)
    crayfish = CategoryFactory(parent=fresh)  # none of its own: its parent's
    slow = CategoryFactory(auto_confirm_days=20)  # never more than the store's
    plain = ProductFactory(category=CategoryFactory())

    parts = {
        name: ship(paid_order(*products).parts.get())
        for name, products in {
            "default": [plain],
            "fresh": [ProductFactory(category=fresh)],
            "parent's": [ProductFactory(category=crayfish)],
            "capped": [ProductFactory(category=slow)],
        }.items()
    }
    vendor = ProductFactory().vendor
    mixed = ship(
        paid_order(
            ProductFactory(vendor=vendor, category=slow),
            ProductFactory(vendor=vendor, category=crayfish),
        ).parts.get()
    )

    days = {name: (p.auto_confirm_at - p.shipped_at).days for name, p in parts.items()}
    assert settings.AUTO_CONFIRM_DAYS == 10
    assert days == {"default": 10, "fresh": 3, "parent's": 3, "capped": 10}
    assert (mixed.auto_confirm_at - mixed.shipped_at).days == 3  # the fewest
    stored = OrderPart.objects.get(pk=parts["fresh"].pk)
    assert stored.auto_confirm_at == parts["fresh"].auto_confirm_at


# The shopper confirms receipt


def test_the_shopper_confirms_receipt_and_the_order_completes_with_its_last_part(client, shop):
    owner, vendor = shop
    order = paid_order(ProductFactory(vendor=vendor), ProductFactory())
    mine, other = order.parts.order_by("vendor__name")
    if mine.vendor_id != vendor.pk:
        mine, other = other, mine
    ship(mine)
    ship(other, number="SF0987654321")
    client.force_login(order.shopper)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    in_english(owner)
    url = reverse("orders:part_receive", args=[order.number, mine.pk])

    detail = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    asking = client.get(url).content.decode()
    done = client.post(url, {"confirm": "on"}, follow=True)

    assert f'href="{url}"' in detail and "Confirm receipt" in detail
    assert "Receipt will be confirmed automatically on" in detail
    assert "the shop will then be paid" in asking
    assert OrderPart.objects.get(pk=mine.pk).status == OrderPart.Status.DELIVERED
    assert "Receipt confirmed. Thank you!" in done.content.decode()
    assert Order.objects.get(pk=order.pk).status == Order.Status.CONFIRMED  # one to go
    told = received_messages(owner).get()
    assert "The shopper has confirmed receipt" in render_notification(told)[1]
    assert mine.events.get(to_status="delivered").by == order.shopper

    client.post(reverse("orders:part_receive", args=[order.number, other.pk]), {"confirm": "on"})

    assert Order.objects.get(pk=order.pk).status == Order.Status.COMPLETED


def test_the_confirmation_page_alone_changes_nothing(client):
    order = paid_order(ProductFactory())
    part = ship(order.parts.get())
    client.force_login(order.shopper)
    url = reverse("orders:part_receive", args=[order.number, part.pk])

    client.get(url)
    client.post(url)  # without the page's "yes"

    assert OrderPart.objects.get(pk=part.pk).status == OrderPart.Status.SHIPPED


def test_a_part_not_shipped_cannot_be_confirmed(client):
    order = paid_order(ProductFactory())
    part = order.parts.get()
    client.force_login(order.shopper)
    url = reverse("orders:part_receive", args=[order.number, part.pk])

    response = client.post(url, {"confirm": "on"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")

    assert "This part has not shipped yet: there is nothing to confirm." in (
        response.content.decode()
    )
    assert OrderPart.objects.get(pk=part.pk).status == OrderPart.Status.PENDING
    assert not part.events.filter(to_status="delivered").exists()
    with pytest.raises(ValidationError) as refused:
        delivery.confirm_receipt(part, by=order.shopper)
    assert refused.value.messages == ["This part has not shipped yet: there is nothing to confirm."]


def test_another_shoppers_order_or_part_is_not_found(client, django_user_model):
    order = paid_order(ProductFactory())
    part = ship(order.parts.get())
    elsewhere = paid_order(ProductFactory())
    client.force_login(django_user_model.objects.create_user("nosy"))

    mine_not = client.post(
        reverse("orders:part_receive", args=[order.number, part.pk]), {"confirm": "on"}
    )
    client.force_login(elsewhere.shopper)
    wrong_part = client.post(
        reverse("orders:part_receive", args=[elsewhere.number, part.pk]), {"confirm": "on"}
    )

    assert (mine_not.status_code, wrong_part.status_code) == (404, 404)
    assert OrderPart.objects.get(pk=part.pk).status == OrderPart.Status.SHIPPED


# The automatic confirmation


def test_receipt_is_confirmed_automatically_after_a_reminder_sent_once(client, shop):
    owner, vendor = shop
    order = paid_order(ProductFactory(vendor=vendor))
    shipped_at = timezone.now()
    with time_machine.travel(shipped_at, tick=False):
        part = ship(order.parts.get())
    due = part.auto_confirm_at
    assert due == shipped_at + timedelta(days=10)

    with time_machine.travel(due - timedelta(days=1, minutes=1), tick=False):
        assert sweep_deliveries_task() == {"confirmed": 0, "reminded": 0}
    with time_machine.travel(due - timedelta(hours=23), tick=False):
        assert sweep_deliveries_task() == {"confirmed": 0, "reminded": 1}
        assert sweep_deliveries_task() == {"confirmed": 0, "reminded": 0}
    with time_machine.travel(due - timedelta(seconds=1), tick=False):
        assert sweep_deliveries_task() == {"confirmed": 0, "reminded": 0}
    assert OrderPart.objects.get(pk=part.pk).status == OrderPart.Status.SHIPPED
    reminder = Notification.objects.get(recipient=order.shopper, kind="receipt_reminder")
    in_english(order.shopper, owner)
    _subject, body = render_notification(reminder)
    on = timezone.localtime(due).strftime("%Y-%m-%d %H:%M")  # in Asia/Shanghai
    assert f"Receipt of your order {order.number} from {vendor.name_en} will be confirmed " in body
    assert f"automatically on {on}; if it has not arrived, contact the shop." in body
    assert OrderPart.objects.get(pk=part.pk).auto_confirm_reminded_at is not None

    with time_machine.travel(due + timedelta(seconds=1), tick=False):
        assert sweep_deliveries_task() == {"confirmed": 1, "reminded": 0}
        assert sweep_deliveries_task() == {"confirmed": 0, "reminded": 0}

    part.refresh_from_db()
    assert part.status == OrderPart.Status.DELIVERED
    assert Order.objects.get(pk=order.pk).status == Order.Status.COMPLETED
    event = part.events.get(to_status="delivered")
    assert (event.by, event.note) == (None, "Confirmed automatically")
    assert "confirmed automatically" in render_notification(received_messages(owner).get())[1]
    client.force_login(order.shopper)
    url = reverse("orders:detail", args=[order.number])
    assert "Confirmed automatically" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "系统自动确认收货" in zh


def test_a_shopper_confirming_just_before_the_sweep_is_confirmed_once(shop):
    owner, vendor = shop
    order = paid_order(ProductFactory(vendor=vendor))
    part = ship(order.parts.get())

    with time_machine.travel(part.auto_confirm_at + timedelta(minutes=1), tick=False):
        delivery.confirm_receipt(part, by=order.shopper)
        assert delivery.confirm_due_receipts() == 0
        assert delivery.remind_due_confirmations() == 0

    assert part.events.filter(to_status="delivered").count() == 1
    assert part.events.get(to_status="delivered").by == order.shopper
    assert received_messages(owner).count() == 1
    assert not Notification.objects.filter(kind="receipt_reminder").exists()


def test_a_part_confirmed_by_the_sweep_cannot_be_confirmed_again(client):
    order = paid_order(ProductFactory())
    part = ship(order.parts.get())
    delivery.confirm_due_receipts(now=part.auto_confirm_at)
    client.force_login(order.shopper)

    response = client.post(
        reverse("orders:part_receive", args=[order.number, part.pk]),
        {"confirm": "on"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert "Receipt of this part is already confirmed." in response.content.decode()
    assert part.events.filter(to_status="delivered").count() == 1


# The timeline


def test_each_parts_timeline_shows_on_the_order_page_in_a_fixed_number_of_queries(client):
    def order_of(parts):
        order = paid_order(*[ProductFactory() for _ in range(parts)])
        for part in order.parts.all():
            ship(part)
        return order

    one, three = order_of(1), order_of(3)
    # Both with a part received: a received line reads its reviews (one query).
    delivery.confirm_receipt(one.parts.first(), by=one.shopper)
    delivery.confirm_receipt(three.parts.first(), by=three.shopper)
    counts, pages = [], []
    for order in (one, three):
        client.force_login(order.shopper)
        url = reverse("orders:detail", args=[order.number])
        client.get(url)  # the session and anything cached once
        with CaptureQueriesContext(connection) as queries:
            pages.append(client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode())
        counts.append(len(queries))

    assert counts[0] == counts[1]
    page = pages[1]
    assert page.count('class="part-timeline"') == 3
    assert page.count(" Placed</li>") == 3
    assert page.count(" Paid") == 3
    assert page.count(f' Shipped · SF Express <a href="{SF_PAGE}"') == 3
    assert page.count(" Received") == 1
    assert page.count("Confirm receipt") == 2


@pytest.mark.skipif(not ON_POSTGRES, reason="real parallel confirmations need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_the_sweeps_and_the_shopper_at_the_same_moment_confirm_once(shop):
    owner, vendor = shop
    order = paid_order(ProductFactory(vendor=vendor))
    part = ship(order.parts.get())
    now = part.auto_confirm_at + timedelta(minutes=1)

    def shopper():
        try:
            return delivery.confirm_receipt(part, by=order.shopper).status
        except ValidationError as refused:
            return refused.messages

    outcomes = all_at_once(
        [shopper, partial(delivery.confirm_due_receipts, now), partial(sweep_twice, now)],
        language="en",
    )

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert part.events.filter(to_status="delivered").count() == 1
    assert received_messages(owner).count() == 1
    assert Order.objects.get(pk=order.pk).status == Order.Status.COMPLETED


def sweep_twice(now):
    return delivery.confirm_due_receipts(now) + delivery.confirm_due_receipts(now)


# What staff see


def test_the_category_admin_lists_each_categorys_days(staff_client):
    CategoryFactory(name_en="Live crayfish", auto_confirm_days=3)

    page = staff_client.get(reverse("admin:catalog_category_changelist")).content.decode()

    assert "Days to confirm receipt" in page
    assert '<td class="field-auto_confirm_days">3</td>' in page


def test_parts_shipped_before_get_their_automatic_confirmation(settings):
    now = timezone.now()
    order = paid_order(ProductFactory())
    part = ship(order.parts.get())
    OrderPart.objects.filter(pk=part.pk).update(
        shipped_at=now - timedelta(days=30), auto_confirm_at=None
    )
    other = ship(paid_order(ProductFactory()).parts.get())
    recently = now - timedelta(days=1)
    OrderPart.objects.filter(pk=other.pk).update(shipped_at=recently, auto_confirm_at=None)
    migration = import_module("orders.migrations.0029_auto_confirm_parts_shipped_before")

    with time_machine.travel(now, tick=False):
        migration.give_dates(django_apps, None)

    part.refresh_from_db()
    other.refresh_from_db()
    assert part.auto_confirm_at == now + timedelta(days=2)  # late: the reminder comes first
    assert other.auto_confirm_at == recently + timedelta(days=settings.AUTO_CONFIRM_DAYS)

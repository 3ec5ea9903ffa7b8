import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalog import services
from catalog.models import Vendor
from tests.factories import (
    KeywordLandingFactory,
    ProductFactory,
    VendorFactory,
    admin_product_form,
)

pytestmark = pytest.mark.django_db


def run_action(client, action, vendors, **extra):
    return client.post(
        reverse("admin:catalog_vendor_changelist"),
        {"action": action, "_selected_action": [v.pk for v in vendors], **extra},
        follow=True,
    )


def test_staff_approve_pending_vendors_and_their_products_appear(staff_client, client):
    vendor = VendorFactory(status=Vendor.Status.PENDING)
    product = ProductFactory(vendor=vendor)
    assert client.get(product.get_absolute_url()).status_code == 404

    response = run_action(staff_client, "approve", [vendor])

    vendor.refresh_from_db()
    assert vendor.status == Vendor.Status.APPROVED
    assert vendor.status_changed_at is not None
    assert "1 vendor approved." in response.content.decode()
    assert client.get(product.get_absolute_url()).status_code == 200


def test_staff_suspend_a_vendor_saying_why(staff_client):
    vendor = VendorFactory(status=Vendor.Status.APPROVED)

    asked = run_action(staff_client, "suspend", [vendor])
    vendor.refresh_from_db()
    assert vendor.status == Vendor.Status.APPROVED  # nothing happens before the reason
    assert "Reason the vendor is told" in asked.content.decode()

    run_action(staff_client, "suspend", [vendor], reason="冒用地理标志")

    vendor.refresh_from_db()
    assert vendor.status == Vendor.Status.SUSPENDED
    assert vendor.status_reason == "冒用地理标志"


def test_rejecting_without_a_reason_is_refused(staff_client):
    vendor = VendorFactory(status=Vendor.Status.PENDING)

    asked = run_action(staff_client, "reject", [vendor], reason="  ")

    vendor.refresh_from_db()
    assert vendor.status == Vendor.Status.PENDING
    assert "This field is required." in asked.content.decode()


def test_a_transition_that_makes_no_sense_is_refused_and_changes_nothing(staff_client):
    pending = VendorFactory(status=Vendor.Status.PENDING)
    approved = VendorFactory(status=Vendor.Status.APPROVED)

    response = run_action(staff_client, "suspend", [pending, approved], reason="检查")

    pending.refresh_from_db()
    approved.refresh_from_db()
    assert pending.status == Vendor.Status.PENDING
    assert approved.status == Vendor.Status.SUSPENDED
    html = response.content.decode()
    assert "This vendor cannot go from “pending review” to “suspended”." in html
    assert "1 vendor suspended." in html


def test_service_refuses_approving_an_approved_vendor():
    vendor = VendorFactory(status=Vendor.Status.APPROVED)

    with pytest.raises(ValidationError) as refused:
        services.approve_vendor(vendor)

    assert refused.value.code == "vendor_transition"


@pytest.mark.parametrize(
    "url",
    [
        "admin:catalog_vendor_changelist",
        "admin:catalog_product_changelist",
        "admin:catalog_keywordlanding_changelist",
        "admin:catalog_county_changelist",
        "admin:catalog_category_changelist",
        "admin:catalog_prefecture_changelist",
    ],
)
def test_admin_lists_render_in_constant_queries(staff_client, django_assert_max_num_queries, url):
    ProductFactory.create_batch(30)
    KeywordLandingFactory.create_batch(5)

    with django_assert_max_num_queries(12):
        response = staff_client.get(reverse(url))

    assert response.status_code == 200


def test_vendor_list_filters_by_status_and_searches(staff_client):
    VendorFactory(name="秭归脐橙合作社", status=Vendor.Status.PENDING)
    VendorFactory(name="潜江龙虾合作社", status=Vendor.Status.APPROVED)

    pending = staff_client.get(reverse("admin:catalog_vendor_changelist"), {"status": "pending"})
    found = staff_client.get(reverse("admin:catalog_vendor_changelist"), {"q": "潜江"})

    assert "秭归脐橙合作社" in pending.content.decode()
    assert "潜江龙虾合作社" not in pending.content.decode()
    assert "潜江龙虾合作社" in found.content.decode()
    assert "秭归脐橙合作社" not in found.content.decode()


def test_product_saved_in_admin_is_found_by_its_new_name(staff_client, client):
    product = ProductFactory(name="旧名字")
    url = reverse("admin:catalog_product_change", args=[product.pk])

    response = staff_client.post(
        url, admin_product_form(product, name="罗田板栗", name_en="Chestnuts")
    )

    assert response.status_code == 302
    assert product.get_absolute_url() in client.get("/search/", {"q": "板栗"}).content.decode()


def test_a_negative_stock_or_zero_price_is_refused_in_admin(staff_client):
    product = ProductFactory(stock=5)
    url = reverse("admin:catalog_product_change", args=[product.pk])

    response = staff_client.post(url, admin_product_form(product, price="0", stock="-1"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 0.01." in html
    assert "Ensure this value is greater than or equal to 0." in html
    product.refresh_from_db()
    assert product.stock == 5

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalog import services
from catalog.models import County, Vendor, VendorMember
from notifications.delivery import deliver_notification
from notifications.models import Notification
from tests.factories import VendorFactory, upload

pytestmark = pytest.mark.django_db
APPLY = reverse("vendor:apply")


def application(**changes):
    return {
        "name": "秭归脐橙合作社",
        "name_en": "Zigui Navel Orange Co-op",
        "kind": "cooperative",
        "county": County.objects.get(slug="zigui").pk,
        "contact_name": "李明",
        "contact_phone": "+86 139-1234-5678",
        "licence_number": "91420527MA4F0Y1X2K",
        "description": "秭归县茅坪镇的脐橙种植合作社。",
        "photo": upload(),
        **changes,
    }


@pytest.fixture
def applicant(client, django_user_model):
    user = django_user_model.objects.create_user("liming", email="liming@example.cn")
    client.force_login(user)
    return user


def test_the_dashboard_sends_someone_without_a_shop_to_apply(client, applicant):
    response = client.get(reverse("vendor:home"))

    assert response["Location"] == APPLY
    assert "Open a shop in the zone" in client.get(APPLY).content.decode()


def test_applying_makes_a_pending_shop_and_shows_where_it_stands(client, applicant):
    response = client.post(APPLY, application())

    vendor = Vendor.objects.get()
    assert response["Location"] == APPLY
    assert (vendor.status, vendor.applicant, vendor.contact_phone) == (
        "pending",
        applicant,
        "13912345678",
    )
    assert vendor.slug == "zigui-navel-orange-co-op"
    assert vendor.photo.name.startswith("vendors/")
    assert not VendorMember.objects.exists()  # not a member before staff approve
    page = client.get(APPLY).content.decode()
    assert "pending review" in page and "秭归脐橙合作社" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"photo": upload("shop.jpg", b"not an image at all")}, "This file is not a photo."),
        ({"licence_number": "12345"}, "Ensure this value has at least 18 characters"),
        ({"licence_number": "91420527MA4F0Y1X2O"}, "unified social credit code"),
        ({"contact_phone": "020-12345678"}, "mainland China mobile number"),
        ({"name": ""}, "This field is required."),
    ],
)
def test_a_bad_application_says_what_is_wrong_and_creates_nothing(
    client, applicant, changes, message
):
    response = client.post(APPLY, application(**changes))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Vendor.objects.exists()


def test_approval_makes_the_applicant_owner_and_tells_them(client, applicant):
    client.post(APPLY, application())
    vendor = Vendor.objects.get()

    services.approve_vendor(vendor)

    assert VendorMember.objects.get(vendor=vendor).user == applicant
    assert VendorMember.objects.get(vendor=vendor).role == "owner"
    told = Notification.objects.get(recipient=applicant)
    assert told.kind == "vendor_approved"
    assert deliver_notification(told.pk)
    assert mail.outbox[0].subject == "您的店铺“秭归脐橙合作社”已通过审核"
    inbox = client.get(reverse("notifications:inbox")).content.decode()
    assert "您的店铺“秭归脐橙合作社”已通过审核" in inbox
    assert f'href="{reverse("vendor:home")}">Open the vendor dashboard' in inbox
    assert client.get(reverse("vendor:home")).status_code == 200


def test_a_rejected_applicant_sees_why_and_can_apply_again(client, applicant):
    client.post(APPLY, application())
    vendor = Vendor.objects.get()

    services.reject_vendor(vendor, "营业执照照片不清晰")

    told = Notification.objects.get(recipient=applicant)
    assert told.kind == "vendor_rejected" and told.context["reason"] == "营业执照照片不清晰"
    page = client.get(APPLY).content.decode()
    assert "营业执照照片不清晰" in page and 'value="秭归脐橙合作社"' in page
    data = application()
    del data["photo"]  # the photo sent before is kept
    client.post(APPLY, data)
    vendor.refresh_from_db()
    assert (Vendor.objects.count(), vendor.status, vendor.status_reason) == (1, "pending", "")
    assert vendor.photo


def test_staff_reject_in_the_admin_with_a_reason(django_user_model, staff_client):
    applicant = django_user_model.objects.create_user("liming")
    data = application()
    data["county"] = County.objects.get(pk=data["county"])
    data.pop("photo")
    vendor = services.apply_for_vendor(Vendor(**data), applicant=applicant, photo=upload())

    staff_client.post(
        reverse("admin:catalog_vendor_changelist"),
        {"action": "reject", "_selected_action": [vendor.pk], "reason": "请补充营业执照"},
        follow=True,
    )

    vendor.refresh_from_db()
    assert (vendor.status, vendor.status_reason) == ("rejected", "请补充营业执照")
    assert Notification.objects.filter(recipient=applicant, kind="vendor_rejected").exists()


def test_reinstating_a_suspended_shop_tells_its_team_and_keeps_it(
    client, applicant, django_user_model
):
    client.post(APPLY, application())
    vendor = services.approve_vendor(Vendor.objects.get())
    successor = django_user_model.objects.create_user("successor")
    VendorMember.objects.create(vendor=vendor, user=successor, role="owner")
    VendorMember.objects.filter(vendor=vendor, user=applicant).delete()  # handed over
    services.suspend_vendor(vendor, "核查中")

    services.approve_vendor(vendor)

    assert list(vendor.memberships.values_list("user__username", flat=True)) == ["successor"]
    assert Notification.objects.filter(kind="vendor_reinstated").get().recipient == successor


def test_re_applying_after_staff_decided_meanwhile_is_refused(client, applicant):
    client.post(APPLY, application())
    vendor = Vendor.objects.get()
    services.reject_vendor(vendor, "照片不清晰")
    stale = Vendor.objects.get()  # the page the applicant has open
    services.approve_vendor(vendor)  # staff changed their mind meanwhile

    with pytest.raises(ValidationError) as refused:
        services.apply_for_vendor(stale, applicant=applicant)

    assert refused.value.code == "already_decided"
    assert Vendor.objects.get().status == "approved"


def test_a_second_application_while_one_waits_is_refused(client, applicant):
    client.post(APPLY, application())

    with pytest.raises(ValidationError) as refused:
        services.apply_for_vendor(
            Vendor(name="另一家", county=County.objects.first(), kind="farm"), applicant=applicant
        )

    assert refused.value.code == "already_pending"


def test_the_email_says_the_reason_as_written(client, applicant):
    client.post(APPLY, application())
    services.reject_vendor(Vendor.objects.get(), 'Photo of the licence isn\'t readable; "scan" it')

    deliver_notification(Notification.objects.get().pk)

    assert 'Photo of the licence isn\'t readable; "scan" it' in mail.outbox[0].body


@pytest.mark.parametrize(
    ("language", "offered", "not_offered"),
    [
        ("en", "county co-operative", "platform-operated store"),
        ("zh-hans", "县级合作社", "平台自营店"),
    ],
)
def test_the_application_does_not_offer_the_platforms_own_store(
    client, applicant, language, offered, not_offered
):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language

    page = client.get(APPLY).content.decode()

    assert 'value="cooperative"' in page and offered in page
    assert 'value="platform"' not in page and not_offered not in page


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Only the platform&#x27;s staff can open a platform-operated store"),
        ("zh-hans", "平台自营店只能由平台工作人员开设"),
    ],
)
def test_a_forged_application_as_the_platforms_own_store_is_refused(
    client, applicant, language, message
):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language

    response = client.post(APPLY, application(kind="platform"))

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["kind"]
    assert message in response.content.decode()
    assert not Vendor.objects.exists()


def test_the_service_refuses_an_applicant_the_platforms_own_store(applicant):
    county = County.objects.get(slug="zigui")

    with pytest.raises(ValidationError) as refused:
        services.apply_for_vendor(
            Vendor(name="自营", kind="platform", county=county), applicant=applicant
        )

    assert refused.value.messages == [services.PLATFORM_KIND_STAFF_ONLY]
    assert not Vendor.objects.exists()


def test_staff_can_still_make_a_shop_the_platforms_own_store(staff_client):
    vendor = VendorFactory(kind="cooperative", name="湖北馆")
    url = reverse("admin:catalog_vendor_change", args=[vendor.pk])

    response = staff_client.post(
        url,
        {
            "name": vendor.name,
            "name_en": vendor.name_en,
            "slug": vendor.slug,
            "kind": "platform",
            "county": vendor.county_id,
            "description": "",
            "contact_name": "",
            "contact_phone": "",
            "licence_number": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    vendor.refresh_from_db()
    assert vendor.kind == "platform"

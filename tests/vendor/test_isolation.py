"""A shop reaches only its own products, photos, order parts and members; a suspended
shop's dashboard is read-only."""

import pytest
from django.urls import reverse

from catalog import services
from catalog.models import Product, ProductImage, Vendor, VendorMember
from orders.models import OrderPart
from tests.factories import add_photo, upload
from tests.vendor.conftest import buy

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(other_shop, product_of, django_user_model):
    """Another shop's objects: product, photo, order part, membership."""
    owner, vendor = other_shop
    product = product_of(vendor, stock=10)
    photo = add_photo(product)
    part = buy(django_user_model, product).parts.get()
    member = VendorMember.objects.get(vendor=vendor)
    return {"product": product, "photo": photo, "part": part, "member": member}


def urls_with(ids):
    """Every dashboard URL that names an object, with `ids` filled in: (method, url, data)."""
    product, photo, part, member = ids["product"], ids["photo"], ids["part"], ids["member"]
    return [
        ("get", reverse("vendor:product_edit", args=[product]), {}),
        ("post", reverse("vendor:product_edit", args=[product]), {"name": "x"}),
        ("post", reverse("vendor:product_status", args=[product]), {"status": "draft"}),
        ("post", reverse("vendor:product_stock", args=[product]), {"change": "-1"}),
        ("get", reverse("vendor:product_delete", args=[product]), {}),
        ("post", reverse("vendor:product_delete", args=[product]), {}),
        ("post", reverse("vendor:photo_delete", args=[product, photo]), {}),
        ("get", reverse("vendor:order", args=[part]), {}),
        (
            "post",
            reverse("vendor:order_ship", args=[part]),
            {"carrier": "ems", "tracking_number": "E1234567CN"},
        ),
        ("post", reverse("vendor:order_cancel", args=[part]), {"reason": "x"}),
        ("post", reverse("vendor:member_remove", args=[member]), {}),
    ]


def state():
    return (
        list(Product.objects.values_list("pk", "name", "status", "stock")),
        ProductImage.objects.count(),
        list(OrderPart.objects.values_list("status")),
        VendorMember.objects.count(),
    )


def test_every_url_with_another_shops_ids_is_not_found_and_changes_nothing(shop, theirs):
    client, _owner, _vendor = shop
    before = state()
    ids = {
        "product": theirs["product"].pk,
        "photo": theirs["photo"].pk,
        "part": theirs["part"].pk,
        "member": theirs["member"].pk,
    }

    for method, url, data in urls_with(ids):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, f"{method} {url}"

    assert state() == before


def test_a_photo_of_another_shop_is_not_found_through_my_own_product(shop, theirs, product_of):
    client, _owner, vendor = shop
    mine = product_of(vendor)

    response = client.post(reverse("vendor:photo_delete", args=[mine.pk, theirs["photo"].pk]))

    assert response.status_code == 404
    assert ProductImage.objects.filter(pk=theirs["photo"].pk).exists()


@pytest.fixture
def suspended_shop(shop, product_of, django_user_model):
    """The signed-in shop, with a product, a photo, an order part and a second member,
    then suspended."""
    client, owner, vendor = shop
    product = product_of(vendor, stock=10)
    photo = add_photo(product)
    part = buy(django_user_model, product).parts.get()
    helper = django_user_model.objects.create_user("helper")
    member = VendorMember.objects.create(vendor=vendor, user=helper)
    services.suspend_vendor(vendor, "冒用地理标志")
    return client, {"product": product.pk, "photo": photo.pk, "part": part.pk, "member": member.pk}


def test_a_suspended_shop_is_refused_every_write_and_keeps_its_data(
    suspended_shop, django_user_model
):
    client, ids = suspended_shop
    before = state()
    writes = [(m, u, d) for m, u, d in urls_with(ids) if m == "post"] + [
        ("post", reverse("vendor:product_create"), {"name": "新品"}),
        ("post", reverse("vendor:members"), {"user": "helper"}),
    ]

    for _method, url, data in writes:
        response = client.post(url, data)
        assert response.status_code == 403, url
        assert "read-only" in response.content.decode()

    assert state() == before


def test_a_suspended_shop_can_still_read_its_dashboard(suspended_shop):
    client, ids = suspended_shop

    for url in [
        reverse("vendor:home"),
        reverse("vendor:products"),
        reverse("vendor:orders"),
        reverse("vendor:order", args=[ids["part"]]),
        reverse("vendor:product_edit", args=[ids["product"]]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "the dashboard is read-only" in response.content.decode()
        assert "Mark as shipped</button>" not in response.content.decode()


def test_a_suspended_shops_products_disappear_from_the_store(suspended_shop, client):
    _client, ids = suspended_shop
    product = Product.objects.get(pk=ids["product"])

    assert client.get(product.get_absolute_url()).status_code == 404


def test_only_owners_manage_the_team(shop, django_user_model, client):
    _client, owner, vendor = shop
    helper = django_user_model.objects.create_user("helper", email="helper@example.cn")
    client.post(reverse("vendor:members"), {"user": "helper@example.cn"})
    assert VendorMember.objects.get(user=helper).role == "staff"

    client.force_login(helper)
    assert client.get(reverse("vendor:members")).status_code == 403  # no one's emails
    refused = client.post(reverse("vendor:members"), {"user": owner.username})
    assert refused.status_code == 403
    assert "Only the shop&#x27;s owner can do this." in refused.content.decode()
    assert client.get(reverse("vendor:products")).status_code == 200  # staff still work

    client.force_login(owner)
    own = VendorMember.objects.get(user=owner)
    kept = client.post(reverse("vendor:member_remove", args=[own.pk]), follow=True)
    assert "A shop needs an owner" in kept.content.decode()
    client.post(reverse("vendor:member_remove", args=[VendorMember.objects.get(user=helper).pk]))
    assert list(
        VendorMember.objects.filter(vendor=vendor).values_list("user__username", flat=True)
    ) == [owner.username]


def test_adding_someone_unknown_says_so(shop):
    client, _owner, _vendor = shop

    response = client.post(reverse("vendor:members"), {"user": "nobody"})

    assert "No account is called “nobody”." in response.content.decode()


def test_a_pending_shops_member_cannot_write(django_user_model, client):
    from tests.vendor.conftest import make_shop

    owner, _vendor = make_shop(django_user_model, status=Vendor.Status.PENDING)
    client.force_login(owner)

    response = client.post(reverse("vendor:product_create"), {"name": "x", "photos": [upload()]})

    assert response.status_code == 403
    assert not Product.objects.exists()

"""A shop's freight templates in its dashboard: creating, listing, editing, previewing a
fee, the default, deleting, the products sent under a template, the listing cards' 包邮,
and the admin."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import Product, Vendor
from orders.shipping.forms import FEE_DECIMALS, NEEDS_FIRST
from orders.shipping.models import FreightRate, FreightTemplate, ProductFreight
from orders.shipping.services import templates as services
from tests.factories import (
    FreightRateFactory,
    FreightTemplateFactory,
    ProductFactory,
    VendorFactory,
)
from tests.orders.shipping.conftest import template_form

pytestmark = pytest.mark.django_db


def rates_of(template):
    return list(
        FreightRate.objects.filter(template=template)
        .order_by("group")
        .values_list("group", "first_units", "first_fee", "extra_fee", "free_over")
    )


def paid_template(vendor, **kwargs):
    """A template charging ¥8 to Hubei and ¥12 to the rest of the mainland."""
    template = FreightTemplateFactory(vendor=vendor, **kwargs)
    FreightRateFactory(template=template, group="hubei")
    FreightRateFactory(template=template, group="mainland", first_fee=Decimal("12"))
    return template


def free_template(vendor, **kwargs):
    """A template charging nothing to Hubei, the neighbours and the mainland."""
    template = FreightTemplateFactory(vendor=vendor, **kwargs)
    for group in ("hubei", "neighbours", "mainland"):
        FreightRateFactory(
            template=template, group=group, first_fee=Decimal("0"), extra_fee=Decimal("0")
        )
    return template


def test_a_shop_creates_lists_edits_and_previews_a_template(shop):
    client, _owner, vendor = shop

    empty = client.get(reverse("vendor:shipping"))
    created = client.post(reverse("vendor:shipping_create"), template_form())
    template = FreightTemplate.objects.get(vendor=vendor)
    listed = client.get(reverse("vendor:shipping")).content.decode()

    assert "ships free everywhere" in empty.content.decode()
    assert created.status_code == 302
    assert (template.name, template.is_default) == ("标准快递", True)  # the first: default
    assert rates_of(template) == [
        ("hubei", 1000, Decimal("8.00"), Decimal("2.00"), None),
        ("mainland", 1000, Decimal("12.00"), Decimal("6.00"), Decimal("99.00")),
    ]
    assert "标准快递" in listed and "Default" in listed
    assert "first 1 kg ¥8.00, ¥2.00 per further kg" in listed
    assert "first 1 kg ¥12.00, ¥6.00 per further kg, free from ¥99.00" in listed
    assert "Not delivered" in listed

    edited = client.post(
        reverse("vendor:shipping_edit", args=[template.pk]),
        template_form(name="顺丰冷链", cold_chain="on", **{"mainland-deliver": None}),
    )
    template.refresh_from_db()
    assert edited.status_code == 302
    assert (template.name, template.cold_chain) == ("顺丰冷链", True)
    assert rates_of(template) == [("hubei", 1000, Decimal("8.00"), Decimal("2.00"), None)]

    preview_url = reverse("vendor:shipping_preview", args=[template.pk])
    page = client.get(preview_url, {"weight_g": "2500", "units": "1", "province": "湖北省"})
    fragment = client.get(
        preview_url,
        {"weight_g": "2500", "units": "1", "province": "广东省"},
        HTTP_HX_REQUEST="true",
    )
    assert "¥12.00 to Hubei: first 1 kg ¥8.00 + 2 further kg × ¥2.00." in page.content.decode()
    assert "<html" not in fragment.content.decode()
    assert "Not delivered to Guangdong" in fragment.content.decode()


def test_the_preview_says_free_shipping_and_the_gap(shop):
    client, _owner, vendor = shop
    template = paid_template(vendor, is_default=True)
    FreightRate.objects.filter(template=template, group="mainland").update(free_over=Decimal("99"))
    url = reverse("vendor:shipping_preview", args=[template.pk])

    free = client.get(url, {"weight_g": "900", "units": "1", "amount": "99", "province": "广东省"})
    short = client.get(url, {"weight_g": "900", "units": "1", "amount": "90", "province": "广东省"})

    assert "Free shipping: the goods cost ¥99.00, at least ¥99.00." in free.content.decode()
    assert "Add ¥9.00 of goods for free shipping." in short.content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"hubei-deliver": None, "mainland-deliver": None},
            None,
            "Tick at least one destination you deliver to.",
        ),
        ({"hubei-first_fee": "-1"}, "hubei-first_fee", "greater than or equal to 0"),
        ({"hubei-extra_fee": "-0.01"}, "hubei-extra_fee", "greater than or equal to 0"),
        ({"hubei-first_fee": "8.005"}, "hubei-first_fee", FEE_DECIMALS),
        ({"hubei-first_fee": "eight"}, "hubei-first_fee", FEE_DECIMALS),
        ({"hubei-first_units": "0"}, "hubei-first_units", "greater than or equal to 1"),
        ({"mainland-free_over": "0"}, "mainland-free_over", "greater than or equal to 0.01"),
        ({"hubei-free_under_g": "0"}, "hubei-free_under_g", "greater than or equal to 1"),
        ({"hubei-first_units": ""}, "hubei-first_units", NEEDS_FIRST),
        ({"hubei-first_fee": ""}, "hubei-first_fee", NEEDS_FIRST),
        ({"name": ""}, "name", "This field is required."),
        ({"basis": "parcel"}, "basis", "Select a valid choice."),
        ({"not_served": ["火星"]}, "not_served", "Select a valid choice."),
    ],
)
def test_each_mistake_is_shown_and_nothing_is_saved(shop, changes, field, message):
    client, _owner, _vendor = shop
    message = str(message)  # in English, as the client asks

    response = client.post(reverse("vendor:shipping_create"), template_form(**changes))

    assert response.status_code == 400
    assert message in response.content.decode()
    forms = response.context["form"], *response.context["rates"]
    errors = {
        (f"{form.prefix}-{name}" if form.prefix else name): [str(e) for e in errs]
        for form in forms
        for name, errs in form.errors.items()
    }
    key = field or "__all__"
    assert any(message in error for error in errors[key])
    assert (FreightTemplate.objects.count(), FreightRate.objects.count()) == (0, 0)


def test_a_name_is_unique_within_the_shop_only(shop, other_shop):
    client, _owner, vendor = shop
    FreightTemplateFactory(vendor=vendor, name="标准快递", is_default=True)
    FreightTemplateFactory(vendor=other_shop[1], name="冷链")

    taken = client.post(reverse("vendor:shipping_create"), template_form())
    theirs = client.post(reverse("vendor:shipping_create"), template_form(name="冷链"))

    assert taken.status_code == 400
    assert "You already have a template called “标准快递”." in taken.content.decode()
    assert theirs.status_code == 302
    assert FreightTemplate.objects.filter(vendor=vendor).count() == 2


def test_another_shops_template_is_not_found_and_nothing_changes(shop, other_shop):
    client, _owner, _vendor = shop
    theirs = paid_template(other_shop[1], is_default=True)
    second = paid_template(other_shop[1], name="其他")
    before = (rates_of(theirs), list(FreightTemplate.objects.values_list("name", "is_default")))

    responses = [
        client.get(reverse("vendor:shipping_edit", args=[theirs.pk])),
        client.post(reverse("vendor:shipping_edit", args=[theirs.pk]), template_form()),
        client.get(reverse("vendor:shipping_delete", args=[second.pk])),
        client.post(reverse("vendor:shipping_delete", args=[second.pk])),
        client.post(reverse("vendor:shipping_default", args=[second.pk])),
        client.get(
            reverse("vendor:shipping_preview", args=[theirs.pk]),
            {"weight_g": "1000", "units": "1", "province": "湖北省"},
        ),
    ]

    assert [r.status_code for r in responses] == [404] * 6
    after = (rates_of(theirs), list(FreightTemplate.objects.values_list("name", "is_default")))
    assert after == before


def test_making_another_template_the_default(shop):
    client, _owner, vendor = shop
    first = paid_template(vendor, name="A", is_default=True)
    second = free_template(vendor, name="B")
    product = ProductFactory(vendor=vendor)
    ProductFreight.objects.create(product=product, template=second)

    response = client.post(reverse("vendor:shipping_default", args=[second.pk]))

    first.refresh_from_db()
    second.refresh_from_db()
    assert response.status_code == 302
    assert (first.is_default, second.is_default) == (False, True)
    assert ProductFreight.objects.count() == 0  # the product now follows the default
    assert client.get(reverse("vendor:shipping_default", args=[second.pk])).status_code == 405


def test_the_default_cannot_be_deleted_while_other_templates_exist(shop):
    client, _owner, vendor = shop
    default = paid_template(vendor, name="A", is_default=True)
    paid_template(vendor, name="B")

    page = client.get(reverse("vendor:shipping_delete", args=[default.pk]))
    response = client.post(reverse("vendor:shipping_delete", args=[default.pk]), follow=True)

    assert "make another template the default first" in page.content.decode()
    assert "Yes, delete it" not in page.content.decode()
    assert "make another template the default first" in response.content.decode()
    assert FreightTemplate.objects.filter(vendor=vendor).count() == 2


def test_deleting_a_template_sends_its_products_under_the_default(shop):
    client, _owner, vendor = shop
    paid_template(vendor, name="A", is_default=True)
    own = free_template(vendor, name="B")
    product = ProductFactory(vendor=vendor)
    ProductFreight.objects.create(product=product, template=own)
    services.refresh_card_flags(vendor)
    assert Product.objects.get(pk=product.pk).ships_free is True

    page = client.get(reverse("vendor:shipping_delete", args=[own.pk]))
    client.post(reverse("vendor:shipping_delete", args=[own.pk]))

    assert "The 1 product sent under it will be sent under your default" in page.content.decode()
    assert not FreightTemplate.objects.filter(pk=own.pk).exists()
    assert ProductFreight.objects.count() == 0
    assert Product.objects.get(pk=product.pk).ships_free is None  # as the shop's default


def test_deleting_the_only_template_makes_the_shop_ship_free(shop):
    client, _owner, vendor = shop
    only = paid_template(vendor, is_default=True)
    services.refresh_card_flags(vendor)
    assert Vendor.objects.get(pk=vendor.pk).ships_free is False

    page = client.get(reverse("vendor:shipping_delete", args=[only.pk]))
    client.post(reverse("vendor:shipping_delete", args=[only.pk]))

    assert "your shop ships free everywhere" in page.content.decode()
    assert FreightTemplate.objects.count() == 0
    assert Vendor.objects.get(pk=vendor.pk).ships_free is True


def test_products_are_moved_to_a_template_and_another_shops_refused(shop, other_shop):
    client, _owner, vendor = shop
    paid_template(vendor, name="A", is_default=True)
    cold = free_template(vendor, name="冷链")
    mine, also_mine = ProductFactory(vendor=vendor), ProductFactory(vendor=vendor)
    theirs = ProductFactory(vendor=other_shop[1])
    ProductFreight.objects.create(product=also_mine, template=cold)

    refused = client.post(
        reverse("vendor:shipping_create"),
        template_form(name="C", products=[str(mine.pk), str(theirs.pk)]),
    )
    assert refused.status_code == 400
    assert "Select a valid choice" in refused.content.decode()
    assert FreightTemplate.objects.filter(name="C").exists() is False
    assert not ProductFreight.objects.filter(product=theirs).exists()

    client.post(
        reverse("vendor:shipping_create"),
        template_form(name="C", products=[str(mine.pk), str(also_mine.pk)]),
    )
    new = FreightTemplate.objects.get(name="C")
    assert sorted(ProductFreight.objects.values_list("product_id", "template_id")) == sorted(
        [(mine.pk, new.pk), (also_mine.pk, new.pk)]
    )
    # Unticked on the edit: back under the default.
    client.post(
        reverse("vendor:shipping_edit", args=[new.pk]),
        template_form(name="C", products=[str(mine.pk)]),
    )
    assert list(ProductFreight.objects.values_list("product_id", flat=True)) == [mine.pk]


def test_the_service_refuses_another_shops_product(shop, other_shop):
    _client, owner, vendor = shop
    theirs = ProductFactory(vendor=other_shop[1])
    paid_template(vendor, is_default=True)

    with pytest.raises(services.ValidationError) as refused:
        services.save_template(
            vendor,
            name="C",
            rates={"hubei": {"first_units": 1000, "first_fee": Decimal("8")}},
            products=[theirs],
            by=owner,
        )

    assert refused.value.messages == [str(services.NOT_YOUR_PRODUCT)]
    assert (FreightTemplate.objects.count(), ProductFreight.objects.count()) == (1, 0)


def test_the_default_template_offers_no_products(shop):
    client, _owner, vendor = shop
    default = paid_template(vendor, is_default=True)
    ProductFactory(vendor=vendor)

    first_form = client.get(reverse("vendor:shipping_edit", args=[default.pk])).context["form"]

    assert "products" not in first_form.fields
    assert "products" in client.get(reverse("vendor:shipping_create")).context["form"].fields


def test_the_listing_cards_badge_follows_the_default_template(shop, client):
    _client, owner, vendor = shop
    ProductFactory(vendor=vendor, name_en="Zigui oranges")
    listing = reverse("catalog:product_list")
    client.logout()

    def badge():
        return client.get(listing).content.decode().count("badge-free-shipping")

    assert badge() == 1  # no template: free
    paid = services.save_template(
        vendor, name="A", rates={"hubei": {"first_units": 1000, "first_fee": Decimal("8")}}
    )
    assert badge() == 0
    zero = {"first_units": 1000, "first_fee": Decimal("0")}
    free = services.save_template(
        vendor, name="B", rates={"hubei": zero, "neighbours": zero, "mainland": zero}, by=owner
    )
    assert badge() == 0  # not the default yet
    services.make_default(free)
    assert badge() == 1
    services.make_default(paid)
    assert badge() == 0


def admin_form(vendor, **changes):
    return {
        "vendor": vendor.pk,
        "name": "标准快递",
        "basis": "weight",
        "not_served": "[]",
        "is_default": "on",
        "rates-TOTAL_FORMS": "1",
        "rates-INITIAL_FORMS": "0",
        "rates-MIN_NUM_FORMS": "0",
        "rates-MAX_NUM_FORMS": "1000",
        "rates-0-group": "mainland",
        "rates-0-first_units": "1000",
        "rates-0-first_fee": "12",
        "rates-0-extra_fee": "6",
        **changes,
    }


def test_saving_in_the_admin_refreshes_the_cards_flags(staff_client):
    vendor = VendorFactory()
    assert Vendor.objects.get(pk=vendor.pk).ships_free is True

    junk = staff_client.post(
        reverse("admin:orders_freighttemplate_add"),
        admin_form(vendor, not_served='["火星"]'),
    )
    response = staff_client.post(reverse("admin:orders_freighttemplate_add"), admin_form(vendor))

    assert junk.status_code == 200
    assert "“火星” is not a province we deliver to." in junk.content.decode()
    assert response.status_code == 302
    assert Vendor.objects.get(pk=vendor.pk).ships_free is False
    assert staff_client.get(reverse("admin:orders_freighttemplate_changelist")).status_code == 200


def test_nul_bytes_in_every_field_are_refused_without_an_error_page(shop):
    client, _owner, vendor = shop
    ProductFactory(vendor=vendor)
    default = paid_template(vendor, is_default=True)
    fields = list(template_form()) + ["not_served", "products", "remote-free_under_g"]

    statuses = {
        field: client.post(
            reverse("vendor:shipping_create"), template_form(**{field: "8\x00"})
        ).status_code
        for field in fields
    }
    preview = [
        client.get(
            reverse("vendor:shipping_preview", args=[default.pk]),
            {"weight_g": "1000", "units": "1", "province": "湖北省", field: "\x00"},
        ).status_code
        for field in ("weight_g", "units", "amount", "province")
    ]

    # A NUL in a checkbox reads as ticked, so those posts are saved; the others refused.
    refused = {f: s for f, s in statuses.items() if not f.endswith("-deliver")}
    assert set(refused.values()) == {400}
    assert preview == [200] * 4
    assert FreightTemplate.objects.filter(vendor=vendor).count() == 1 + sum(
        1 for f, s in statuses.items() if s == 302
    )


def test_the_list_page_reads_as_many_queries_for_5_templates_as_for_1(shop):
    client, _owner, vendor = shop

    def add_templates(names):
        for name in names:
            template = paid_template(vendor, name=name, is_default=name == "T0")
            free = ProductFactory(vendor=vendor)
            ProductFreight.objects.create(product=free, template=template)

    def list_page():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("vendor:shipping"))
        assert response.status_code == 200
        return response.content.decode().count('class="freight-template"'), len(queries)

    add_templates(["T0"])
    shown_1, queries_1 = list_page()
    add_templates(["T1", "T2", "T3", "T4"])
    shown_5, queries_5 = list_page()

    assert (shown_1, shown_5) == (1, 5)
    assert queries_5 == queries_1


def test_the_service_refuses_a_province_that_is_not_one(shop):
    _client, owner, vendor = shop

    with pytest.raises(services.ValidationError) as refused:
        services.save_template(
            vendor,
            name="C",
            not_served=["火星"],
            rates={"hubei": {"first_units": 1000, "first_fee": Decimal("8")}},
            by=owner,
        )

    assert refused.value.messages == ["“火星” is not a province we deliver to."]
    assert FreightTemplate.objects.count() == 0


def test_a_refused_edit_keeps_the_saved_template(shop):
    client, _owner, vendor = shop
    template = paid_template(vendor, name="标准快递", is_default=True)

    response = client.post(
        reverse("vendor:shipping_edit", args=[template.pk]),
        template_form(name="新名字", **{"hubei-first_fee": "-1"}),
    )

    assert response.status_code == 400
    assert "<h1>标准快递</h1>" in response.content.decode()
    template.refresh_from_db()
    assert template.name == "标准快递"
    assert rates_of(template)[0][2] == Decimal("8.00")


def test_a_suspended_shop_sees_its_templates_but_changes_nothing(shop):
    client, _owner, vendor = shop
    template = paid_template(vendor, is_default=True)
    Vendor.objects.filter(pk=vendor.pk).update(status=Vendor.Status.SUSPENDED)

    listed = client.get(reverse("vendor:shipping"))
    refused = client.post(reverse("vendor:shipping_delete", args=[template.pk]))

    assert listed.status_code == 200
    assert "Add a template" not in listed.content.decode()
    assert refused.status_code == 403
    assert FreightTemplate.objects.filter(pk=template.pk).exists()

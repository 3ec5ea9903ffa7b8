"""The edges of freight templates: what a rate may charge, a parcel too heavy to quote,
the admin keeping a shop's templates as the dashboard would, and a product linked to
another shop's template (which only staff could do) not charged by it."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from orders import services
from orders.models import Cart, CartItem, Order
from orders.shipping.models import FreightTemplate, ProductFreight
from orders.shipping.selectors import templates_for
from tests.factories import AddressFactory, ProductFactory, VendorFactory
from tests.orders.shipping.checkout_helpers import template
from tests.orders.shipping.conftest import template_form
from tests.orders.shipping.test_templates import admin_form

pytestmark = pytest.mark.django_db


def test_a_rate_above_9999_99_is_refused_with_its_reason(shop):
    client, _owner, vendor = shop

    response = client.post(
        reverse("vendor:shipping_create"), template_form(**{"hubei-extra_fee": "10000"})
    )

    assert response.status_code == 400
    assert "Ensure this value is less than or equal to 9999.99." in response.content.decode()
    assert not FreightTemplate.objects.filter(vendor=vendor).exists()


def test_a_parcel_dearer_than_any_order_can_hold_is_refused_and_nothing_changes(
    django_user_model,
):
    shopper = django_user_model.objects.create_user("buyer", password="pw")
    address = AddressFactory(user=shopper, province="湖北省", is_default=True)
    vendor = VendorFactory()
    template(vendor, hubei=(1000, "9999.99", "9999.99", None))
    anvils = ProductFactory(
        vendor=vendor, net_weight_g=2_000_000, stock=100, name="铁砧", name_en="Anvil"
    )
    cart = Cart.objects.create(user=shopper)
    CartItem.objects.create(cart=cart, product=anvils, quantity=50)  # 100 t: ¥999,999,000

    with pytest.raises(services.CheckoutProblem) as refused:
        services.place_order(
            None,
            shopper=shopper,
            address=address,
            payment_method=Order.PaymentMethod.CASH_ON_DELIVERY,
            idempotency_key=uuid.uuid4().hex,
        )

    assert refused.value.messages == [
        "“Anvil” is too heavy to send to Hubei in one parcel. Buy fewer, or ask the shop."
    ]
    assert not Order.objects.exists()
    anvils.refresh_from_db()
    assert anvils.stock == 100
    assert cart.items.count() == 1


def test_the_admin_keeps_a_template_with_its_shop(staff_client):
    shop, other = VendorFactory(), VendorFactory()
    kept = template(shop)

    page = staff_client.get(reverse("admin:orders_freighttemplate_change", args=[kept.pk]))
    staff_client.post(
        reverse("admin:orders_freighttemplate_change", args=[kept.pk]),
        admin_form(other, **{"rates-TOTAL_FORMS": "0"}),
    )

    assert page.status_code == 200
    assert 'name="vendor"' not in page.content.decode()
    kept.refresh_from_db()
    assert kept.vendor == shop


def test_the_admin_refuses_a_shop_without_a_default_and_a_template_without_rates(staff_client):
    vendor = VendorFactory()

    no_default = staff_client.post(
        reverse("admin:orders_freighttemplate_add"), admin_form(vendor, is_default="")
    )
    no_rate = staff_client.post(
        reverse("admin:orders_freighttemplate_add"),
        admin_form(vendor, **{"rates-TOTAL_FORMS": "0"}),
    )

    assert no_default.status_code == 200
    assert "The shop needs a default template" in no_default.content.decode()
    assert no_rate.status_code == 200
    assert "Please submit at least 1 form." in no_rate.content.decode()
    assert not FreightTemplate.objects.filter(vendor=vendor).exists()


def test_a_product_linked_to_another_shops_template_ships_under_its_own_default():
    shop, other = VendorFactory(), VendorFactory()
    own_default = template(shop)
    foreign = template(other)
    tea = ProductFactory(vendor=shop)
    ProductFreight.objects.create(product=tea, template=foreign)

    assert templates_for([tea]) == {tea.pk: own_default}
    assert own_default.rates.count() == 4 and Decimal("8.00") in {
        rate.first_fee for rate in own_default.rates.all()
    }

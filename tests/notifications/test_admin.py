"""The outbox in the admin: staff find an order's messages by its number."""

import pytest
from django.urls import reverse

from catalog.models import VendorMember
from notifications.models import LanguagePreference
from orders import services
from orders.models import Cart
from tests.factories import AddressFactory, ProductFactory, UserFactory, VendorFactory

pytestmark = pytest.mark.django_db


def test_staff_find_an_orders_messages_by_its_number(client, django_user_model):
    vendor = VendorFactory()
    VendorMember.objects.create(vendor=vendor, user=UserFactory(username="owner"))
    shopper = UserFactory(username="buyer")
    other = UserFactory(username="someone-else")
    for user in (shopper, other):
        cart = Cart.objects.create(user=user)
        services.add_to_cart(cart, ProductFactory(vendor=vendor, stock=5), 1)
        order = services.place_order(
            cart,
            shopper=user,
            address=AddressFactory(user=user),
            payment_method="cod",
            idempotency_key=f"k-{user.pk}",
        )
        if user == shopper:
            wanted = order
    staff = django_user_model.objects.create_superuser("staff", "s@example.com", "pw-12345678")
    client.force_login(staff)

    page = client.get(reverse("admin:notifications_notification_changelist"), {"q": wanted.number})

    assert page.status_code == 200
    shown = {n.recipient.username for n in page.context["cl"].result_list}
    assert shown == {"buyer", "owner"}


def test_staff_see_each_persons_message_language(client, django_user_model):
    LanguagePreference.objects.create(user=UserFactory(username="reader"), language="en")
    staff = django_user_model.objects.create_superuser("staff", "s@example.com", "pw-12345678")
    client.force_login(staff)

    page = client.get(reverse("admin:notifications_languagepreference_changelist"))

    assert page.status_code == 200
    assert "reader" in page.content.decode()

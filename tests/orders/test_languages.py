"""Each person reads the store, and their messages, in their own language: the one they
signed up in, then the one they last chose with the switch, on every device."""

import uuid

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from catalog.models import VendorMember
from notifications.models import LanguagePreference, Notification
from orders import services
from orders.models import Cart
from tests.factories import AddressFactory, ProductFactory, VendorFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-passphrase-2020"
INBOX = reverse("notifications:inbox")


def sign_up(username, **headers):
    """A new account signed up from a browser sending `headers`; its client, signed in."""
    browser = Client(**headers)
    response = browser.post(
        reverse("orders:sign_up"),
        {
            "username": username,
            "email": f"{username}@example.cn",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    return browser


def user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def order_from(shopper, vendor_owner):
    """`shopper` buys Zigui oranges from the shop `vendor_owner` owns."""
    vendor = VendorFactory(name="秭归果业", name_en="Zigui Fruit Co-op")
    VendorMember.objects.create(vendor=vendor, user=vendor_owner, role=VendorMember.Role.OWNER)
    product = ProductFactory(
        vendor=vendor,
        name="秭归脐橙",
        name_en="Zigui navel oranges",
        pack_size="5公斤箱",
        pack_size_en="5 kg box",
        stock=5,
    )
    address = AddressFactory(user=shopper, recipient="Tom")
    cart, _created = Cart.objects.get_or_create(user=shopper)
    services.add_to_cart(cart, product, 1)
    return services.place_order(
        cart,
        shopper=shopper,
        address=address,
        payment_method="cod",
        idempotency_key=uuid.uuid4().hex,
    )


def mail_to(account):
    return [m for m in mail.outbox if m.to == [account.email]]


def test_messages_come_in_each_recipients_language_whoever_set_them_off(
    django_capture_on_commit_callbacks,
):
    shopper_browser = sign_up("tom", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")
    vendor_browser = sign_up("laowang", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    tom, laowang = user("tom"), user("laowang")
    assert (tom.language_preference.language, laowang.language_preference.language) == (
        "en",
        "zh-hans",
    )

    with django_capture_on_commit_callbacks(execute=True):
        order = order_from(tom, laowang)

    [to_tom], [to_laowang] = mail_to(tom), mail_to(laowang)
    assert to_tom.subject == f"Your order {order.number} is placed"
    assert "Thank you for your order" in to_tom.body
    assert "Zigui Fruit Co-op" in to_tom.body and "Zigui navel oranges × 1" in to_tom.body
    assert "秭归" not in to_tom.body
    assert to_laowang.subject == f"新订单 {order.number} 待发货"
    assert "秭归脐橙 × 1" in to_laowang.body and "Zigui" not in to_laowang.body
    # The inbox shows what the email said, in the reader's language whatever the page's.
    inbox = shopper_browser.get(INBOX, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"Your order {order.number} is placed" in inbox
    assert f"新订单 {order.number} 待发货" in vendor_browser.get(INBOX).content.decode()


def test_switching_language_signed_in_changes_the_language_of_the_next_message(
    django_capture_on_commit_callbacks, django_user_model
):
    shopper_browser = sign_up("tom", HTTP_ACCEPT_LANGUAGE="en")
    owner = django_user_model.objects.create_user("owner", email="owner@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        first = order_from(user("tom"), owner)
    assert Notification.objects.get(
        context__order_id=first.pk, recipient__username="tom"
    ).subject == (f"Your order {first.number} is placed")

    response = shopper_browser.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert LanguagePreference.objects.get(user__username="tom").language == "zh-hans"
    with django_capture_on_commit_callbacks(execute=True):
        second = order_from(user("tom"), owner)
    assert Notification.objects.get(
        context__order_id=second.pk, recipient__username="tom"
    ).subject == (f"您的订单 {second.number} 已提交")


def test_a_language_the_store_does_not_speak_changes_nothing(client, django_user_model):
    shopper = django_user_model.objects.create_user("tom")
    LanguagePreference.objects.create(user=shopper, language="en")
    client.force_login(shopper)

    client.post(reverse("set_language"), {"language": "fr", "next": "/"})

    assert LanguagePreference.objects.get(user=shopper).language == "en"


def test_signing_in_on_another_device_brings_the_accounts_language(django_user_model):
    sign_up("tom", HTTP_ACCEPT_LANGUAGE="en")
    new_device = Client()  # no cookie, no Accept-Language: Chinese, the store's default
    assert '<html lang="zh-hans">' in new_device.get("/").content.decode()

    response = new_device.post(reverse("login"), {"username": "tom", "password": PASSWORD})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en">' in new_device.get(reverse("orders:history")).content.decode()


def test_an_account_that_never_chose_signs_in_and_reads_the_store_as_before(django_user_model):
    django_user_model.objects.create_user("old", password=PASSWORD)
    browser = Client()

    response = browser.post(reverse("login"), {"username": "old", "password": PASSWORD})

    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert '<html lang="zh-hans">' in browser.get("/").content.decode()


def test_order_lines_show_the_name_and_pack_bought_in_the_readers_language(
    client, django_user_model
):
    shopper = django_user_model.objects.create_user("tom")
    owner = django_user_model.objects.create_user("owner")
    order = order_from(shopper, owner)
    client.force_login(shopper)
    detail = reverse("orders:detail", args=[order.number])

    in_english = client.get(detail, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    in_chinese = client.get(detail, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "Zigui navel oranges · 5 kg box" in in_english and "秭归脐橙" not in in_english
    assert "秭归脐橙 · 5公斤箱" in in_chinese and "Zigui navel oranges" not in in_chinese


def test_signing_in_keeps_the_language_just_chosen_on_this_device(django_user_model):
    shopper = django_user_model.objects.create_user("tom", password=PASSWORD)
    LanguagePreference.objects.create(user=shopper, language="zh-hans")
    new_device = Client()
    new_device.post(reverse("set_language"), {"language": "en", "next": "/"})  # signed out

    response = new_device.post(reverse("login"), {"username": "tom", "password": PASSWORD})

    assert response.status_code == 302
    assert '<html lang="en">' in new_device.get(reverse("orders:history")).content.decode()
    assert LanguagePreference.objects.get(user=shopper).language == "en"  # kept for next time

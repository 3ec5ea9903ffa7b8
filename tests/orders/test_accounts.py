import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from orders.models import Address

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_sign_up_signs_in_and_goes_to_my_orders(client):
    response = client.post(reverse("orders:sign_up"), {
        "username": "xiaoming", "email": "xm@example.cn",
        "password1": "a-long-passphrase-2020", "password2": "a-long-passphrase-2020",
    }, **EN)

    assert (response.status_code, response["Location"]) == (302, reverse("orders:history"))
    assert "Welcome! Your account is ready." in client.get(reverse("orders:history"),
                                                          **EN).content.decode()


def test_sign_up_with_a_weak_password_says_why_and_creates_nothing(client):
    response = client.post(reverse("orders:sign_up"), {
        "username": "xiaoming", "email": "xm@example.cn",
        "password1": "123456", "password2": "123456",
    }, **EN)

    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    assert get_user_model().objects.count() == 0


def test_repeated_failed_sign_ins_are_locked_out_even_with_the_right_password(
    client, django_user_model, settings
):
    django_user_model.objects.create_user("target", password="the-right-password-1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "target", "password": "guess"}, **EN)

    response = client.post(reverse("login"),
                           {"username": "target", "password": "the-right-password-1"}, **EN)

    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_admin_sign_in_is_throttled_the_same_way(client, django_user_model, settings):
    django_user_model.objects.create_superuser("boss", password="the-right-password-1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("admin:login"), {"username": "boss", "password": "guess"})

    response = client.post(reverse("admin:login"),
                           {"username": "boss", "password": "the-right-password-1"})

    assert response.status_code == 429


def test_password_reset_by_email(client, django_user_model):
    django_user_model.objects.create_user("forgetful", email="f@example.cn", password="old-pw-1x")

    client.post(reverse("password_reset"), {"email": "f@example.cn"}, **EN)

    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mail.outbox[0].body)[1]
    form_page = client.get(link, follow=True)
    response = client.post(form_page.redirect_chain[-1][0], {
        "new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase",
    })
    assert response.status_code == 302
    assert django_user_model.objects.get().check_password("a-brand-new-passphrase")


@pytest.mark.parametrize("mobile", ["1381234567", "23812345678", "12812345678", "abc"])
def test_an_address_needs_a_mainland_mobile_number(client, django_user_model, mobile):
    user = django_user_model.objects.create_user("buyer")
    client.force_login(user)

    response = client.post(reverse("orders:address_add"), {
        "recipient": "张三", "mobile": mobile, "province": "湖北省", "city": "武汉市",
        "district": "江汉区", "street": "解放大道 1 号",
    }, **EN)

    assert "Enter a mainland China mobile number: 11 digits starting with 1." in (
        response.content.decode())
    assert Address.objects.count() == 0


def test_the_first_address_becomes_the_default_and_others_cannot_touch_it(
    client, django_user_model
):
    owner = django_user_model.objects.create_user("owner")
    client.force_login(owner)
    client.post(reverse("orders:address_add"), {
        "recipient": "张三", "mobile": "13812345678", "province": "湖北省", "city": "武汉市",
        "district": "江汉区", "street": "解放大道 1 号",
    })
    address = Address.objects.get()
    assert address.is_default

    client.force_login(django_user_model.objects.create_user("stranger"))

    assert client.get(reverse("orders:address_edit", args=[address.pk])).status_code == 404
    assert client.post(reverse("orders:address_delete", args=[address.pk])).status_code == 404
    assert Address.objects.count() == 1


def test_a_mobile_number_written_with_country_code_and_spaces_is_accepted(
    client, django_user_model
):
    client.force_login(django_user_model.objects.create_user("buyer"))

    client.post(reverse("orders:address_add"), {
        "recipient": "张三", "mobile": "+86 138-1234-5678", "province": "湖北省",
        "city": "武汉市", "district": "江汉区", "street": "解放大道 1 号",
    })

    assert Address.objects.get().mobile == "13812345678"

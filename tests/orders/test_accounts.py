import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from orders.models import Address

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_sign_up_signs_in_and_goes_to_my_orders(client):
    response = client.post(
        reverse("orders:sign_up"),
        {
            "username": "xiaoming",
            "email": "xm@example.cn",
            "password1": "a-long-passphrase-2020",
            "password2": "a-long-passphrase-2020",
        },
        **EN,
    )

    assert (response.status_code, response["Location"]) == (302, reverse("orders:history"))
    assert (
        "Welcome! Your account is ready."
        in client.get(reverse("orders:history"), **EN).content.decode()
    )


def test_sign_up_with_a_weak_password_says_why_and_creates_nothing(client):
    response = client.post(
        reverse("orders:sign_up"),
        {
            "username": "xiaoming",
            "email": "xm@example.cn",
            "password1": "123456",
            "password2": "123456",
        },
        **EN,
    )

    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    assert get_user_model().objects.count() == 0


def test_sign_up_with_an_email_another_account_uses_is_refused_whatever_its_case(
    client, django_user_model
):
    django_user_model.objects.create_user("first", email="Shared@Example.cn")

    response = client.post(
        reverse("orders:sign_up"),
        {
            "username": "second",
            "email": "shared@EXAMPLE.cn",
            "password1": "a-long-passphrase-2020",
            "password2": "a-long-passphrase-2020",
        },
        **EN,
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "email": [
            "An account already uses this email. Sign in, or reset your password if you forgot it."
        ]
    }
    assert list(django_user_model.objects.values_list("username", flat=True)) == ["first"]
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "typed",
    [
        "shared@example.cn\u200b",  # a zero-width space pasted after it
        "\ufeffshared@example.cn",  # a byte-order mark before it
        "ｓｈａｒｅｄ＠ｅｘａｍｐｌｅ．ｃｎ",  # full width, as a Chinese input method types it
    ],
)
def test_an_email_that_only_looks_different_is_the_same_email(client, django_user_model, typed):
    django_user_model.objects.create_user("first", email="shared@example.cn")

    response = client.post(
        reverse("orders:sign_up"),
        {
            "username": "second",
            "email": typed,
            "password1": "a-long-passphrase-2020",
            "password2": "a-long-passphrase-2020",
        },
        **EN,
    )

    assert response.context["form"].errors == {
        "email": [
            "An account already uses this email. Sign in, or reset your password if you forgot it."
        ]
    }
    assert list(django_user_model.objects.values_list("username", flat=True)) == ["first"]


def test_a_new_email_typed_in_full_width_is_kept_in_plain_characters(client, django_user_model):
    response = client.post(
        reverse("orders:sign_up"),
        {
            "username": "newcomer",
            "email": "ｘｉａｏｈｏｎｇ＠ｅｘａｍｐｌｅ．ｃｎ\u200b",
            "password1": "a-long-passphrase-2020",
            "password2": "a-long-passphrase-2020",
        },
        **EN,
    )

    assert response.status_code == 302
    assert django_user_model.objects.get(username="newcomer").email == "xiaohong@example.cn"


def test_the_email_taken_error_is_in_chinese_for_a_chinese_browser(client, django_user_model):
    django_user_model.objects.create_user("first", email="shared@example.cn")

    response = client.post(
        reverse("orders:sign_up"),
        {
            "username": "second",
            "email": "SHARED@example.cn",
            "password1": "a-long-passphrase-2020",
            "password2": "a-long-passphrase-2020",
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.context["form"].errors["email"] == [
        "此邮箱已被其他账户使用。请直接登录；如果忘了密码，可以重置密码。"
    ]


def test_repeated_failed_sign_ins_are_locked_out_even_with_the_right_password(
    client, django_user_model, settings
):
    django_user_model.objects.create_user("target", password="the-right-password-1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "target", "password": "guess"}, **EN)

    response = client.post(
        reverse("login"), {"username": "target", "password": "the-right-password-1"}, **EN
    )

    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_admin_sign_in_is_throttled_the_same_way(client, django_user_model, settings):
    django_user_model.objects.create_superuser("boss", password="the-right-password-1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("admin:login"), {"username": "boss", "password": "guess"})

    response = client.post(
        reverse("admin:login"), {"username": "boss", "password": "the-right-password-1"}
    )

    assert response.status_code == 429


@pytest.mark.parametrize("mobile", ["1381234567", "23812345678", "12812345678", "abc"])
def test_an_address_needs_a_mainland_mobile_number(client, django_user_model, mobile):
    user = django_user_model.objects.create_user("buyer")
    client.force_login(user)

    response = client.post(
        reverse("orders:address_add"),
        {
            "recipient": "张三",
            "mobile": mobile,
            "province": "湖北省",
            "city": "武汉市",
            "district": "江汉区",
            "street": "解放大道 1 号",
        },
        **EN,
    )

    assert "Enter a mainland China mobile number: 11 digits starting with 1." in (
        response.content.decode()
    )
    assert Address.objects.count() == 0


def test_the_first_address_becomes_the_default_and_others_cannot_touch_it(
    client, django_user_model
):
    owner = django_user_model.objects.create_user("owner")
    client.force_login(owner)
    client.post(
        reverse("orders:address_add"),
        {
            "recipient": "张三",
            "mobile": "13812345678",
            "province": "湖北省",
            "city": "武汉市",
            "district": "江汉区",
            "street": "解放大道 1 号",
        },
    )
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

    client.post(
        reverse("orders:address_add"),
        {
            "recipient": "张三",
            "mobile": "+86 138-1234-5678",
            "province": "湖北省",
            "city": "武汉市",
            "district": "江汉区",
            "street": "解放大道 1 号",
        },
    )

    assert Address.objects.get().mobile == "13812345678"


ADDRESS = {"recipient": "张三", "mobile": "13812345678", "street": "解放大道 1 号"}


def test_the_address_form_offers_provinces_then_that_provinces_cities_and_districts(
    client, django_user_model
):
    client.force_login(django_user_model.objects.create_user("buyer"))

    page = client.get(reverse("orders:address_add")).content.decode()
    cities = client.get(reverse("orders:address_regions"), {"province": "湖北省"}).content.decode()
    districts = client.get(
        reverse("orders:address_regions"), {"province": "湖北省", "city": "宜昌市"}
    ).content.decode()

    assert '<option value="湖北省">湖北省</option>' in page
    assert 'hx-get="/accounts/addresses/regions/"' in page
    assert "香港特别行政区" not in page  # outside the mainland delivery area
    assert '<option value="宜昌市">宜昌市</option>' in cities
    assert '<option value="潜江市">潜江市</option>' in cities  # under the province directly
    assert "朝阳区" not in cities
    assert '<option value="秭归县">秭归县</option>' in districts


def test_a_city_of_another_province_is_refused_and_the_right_list_shown(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("buyer"))

    response = client.post(
        reverse("orders:address_add"),
        {**ADDRESS, "province": "湖北省", "city": "广州市", "district": "天河区"},
        **EN,
    )

    page = response.content.decode()
    assert "广州市 is not in the province you chose; choose the city from the list." in page
    assert '<option value="武汉市">武汉市</option>' in page
    assert Address.objects.count() == 0


def test_a_district_of_another_city_is_refused(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("buyer"))

    response = client.post(
        reverse("orders:address_add"),
        {**ADDRESS, "province": "湖北省", "city": "宜昌市", "district": "江汉区"},
        **EN,
    )

    assert "江汉区 is not in the city you chose" in response.content.decode()
    assert Address.objects.count() == 0


@pytest.mark.parametrize(
    ("province", "city", "district"),
    [
        ("湖北省", "潜江市", ""),  # a county-level city under the province: no district
        ("北京市", "北京市", "朝阳区"),  # a municipality is its own city
        ("湖北省", "武汉市", "江汉区"),
    ],
)
def test_addresses_save_as_people_write_them(client, django_user_model, province, city, district):
    client.force_login(django_user_model.objects.create_user("buyer"))

    client.post(
        reverse("orders:address_add"),
        {**ADDRESS, "province": province, "city": city, "district": district},
    )

    saved = Address.objects.get()
    assert (saved.province, saved.city, saved.district) == (province, city, district)


def test_without_javascript_the_lists_follow_the_province_and_nothing_is_saved(
    client, django_user_model
):
    client.force_login(django_user_model.objects.create_user("buyer"))

    response = client.post(
        reverse("orders:address_add"),
        {**ADDRESS, "province": "湖北省", "city": "", "refresh_regions": "1"},
        **EN,
    )

    page = response.content.decode()
    assert '<option value="宜昌市">宜昌市</option>' in page
    assert 'role="alert"' not in page
    assert Address.objects.count() == 0


@pytest.mark.parametrize(
    ("language", "label"),
    [("en", "Show the cities and districts of this province"), ("zh-hans", "显示该省的城市和区县")],
)
def test_the_no_javascript_region_button_is_not_stopped_by_the_required_fields(
    client, django_user_model, language, label
):
    client.force_login(django_user_model.objects.create_user("buyer"))

    page = client.get(reverse("orders:address_add"), HTTP_ACCEPT_LANGUAGE=language).content.decode()

    button = re.search(r'<button[^>]*name="refresh_regions"[^>]*>([^<]*)</button>', page)
    assert button is not None and button.group(1) == label
    assert " formnovalidate" in button.group(0)  # the browser sends it with fields empty

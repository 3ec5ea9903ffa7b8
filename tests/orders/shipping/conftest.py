import pytest

from tests.factories import make_shop


@pytest.fixture
def shop(django_user_model, client):
    """A signed-in owner of an approved shop, in English: (client, owner, vendor)."""
    owner, vendor = make_shop(django_user_model)
    client.force_login(owner)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client, owner, vendor


@pytest.fixture
def other_shop(django_user_model):
    return make_shop(django_user_model, name="qianjiang")


def template_form(**changes):
    """The fields of a valid template form: by weight, 湖北 ¥8 the first kg + ¥2/kg, the
    rest of the mainland ¥12 + ¥6 and free from ¥99, neighbours and remote regions not
    delivered to. `changes` add or replace fields (None removes one)."""
    data = {
        "name": "标准快递",
        "basis": "weight",
        "hubei-deliver": "on",
        "hubei-first_units": "1000",
        "hubei-first_fee": "8",
        "hubei-extra_fee": "2",
        "mainland-deliver": "on",
        "mainland-first_units": "1000",
        "mainland-first_fee": "12",
        "mainland-extra_fee": "6",
        "mainland-free_over": "99",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}

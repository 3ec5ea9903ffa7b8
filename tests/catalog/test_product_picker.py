"""The admin's product pickers (a stream's featured products, a promotion's products)
tell apart products of the same name: vendor, price and status, and search by them."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import ProductFactory, VendorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_oranges(db):
    zigui = ProductFactory(
        name="秭归脐橙 5kg", price=Decimal("59.90"), vendor=VendorFactory(name="秭归橙园")
    )
    other = ProductFactory(
        name="秭归脐橙 5kg",
        price=Decimal("49.00"),
        status="draft",
        vendor=VendorFactory(name="宜昌果行"),
    )
    return zigui, other


def pick(client, term, model_name="featuredproduct", field_name="product", app_label="livestream"):
    response = client.get(
        reverse("admin:catalog_product_autocomplete"),
        {"term": term, "app_label": app_label, "model_name": model_name, "field_name": field_name},
    )
    assert response.status_code == 200
    return sorted(result["text"] for result in response.json()["results"])


def test_the_stream_picker_shows_vendor_price_and_status(staff_client, two_oranges):
    assert pick(staff_client, "脐橙") == [
        "秭归脐橙 5kg · 宜昌果行 · ¥49.00 · draft",
        "秭归脐橙 5kg · 秭归橙园 · ¥59.90 · published",
    ]


def test_the_promotion_picker_shows_them_in_chinese(staff_client, two_oranges):
    staff_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"

    assert pick(staff_client, "脐橙", "promotion", "products", "catalog") == [
        "秭归脐橙 5kg · 宜昌果行 · ¥49.00 · 草稿",
        "秭归脐橙 5kg · 秭归橙园 · ¥59.90 · 已上架",
    ]


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("橙园", ["秭归橙园"]),
        ("59.9", ["秭归橙园"]),
        ("¥49", ["宜昌果行"]),
        ("脐橙 59.90", ["秭归橙园"]),
        ("脐橙 12.00", []),
    ],
)
def test_the_picker_searches_by_vendor_and_price(staff_client, two_oranges, term, found):
    assert [text.split(" · ")[1] for text in pick(staff_client, term)] == found


def test_the_picker_reads_all_results_in_a_constant_number_of_queries(
    staff_client, two_oranges, django_assert_max_num_queries
):
    for n in range(10):
        ProductFactory(name=f"秭归脐橙 {n}")
    with django_assert_max_num_queries(4):  # session, user, page of results, its count
        assert len(pick(staff_client, "脐橙")) == 12


def test_a_chosen_product_is_shown_with_its_vendor_on_the_promotion_form(staff_client, two_oranges):
    from tests.factories import running_promotion

    zigui, _ = two_oranges
    promotion = running_promotion(zigui)

    page = staff_client.get(reverse("admin:catalog_promotion_change", args=[promotion.pk]))

    assert "秭归脐橙 5kg · 秭归橙园 · ¥59.90 · published" in page.content.decode()

"""A product's own texts in English where its vendor wrote them, in Chinese otherwise."""

import pytest
from django.urls import reverse

from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def oranges(**english):
    return ProductFactory(
        name="秭归脐橙",
        name_en="Zigui navel oranges",
        pack_size="5公斤箱",
        origin_label="秭归脐橙 地理标志产品",
        description="茅坪镇果园直发。",
        **english,
    )


WRITTEN_IN_ENGLISH = {
    "pack_size_en": "5 kg box",
    "origin_label_en": "Zigui navel orange, geographical indication",
    "description_en": "Picked in Maoping and sent straight from the orchard.",
}


def test_a_shopper_reading_english_sees_the_vendors_english_texts(english):
    product = oranges(**WRITTEN_IN_ENGLISH)

    page = english.get(product.get_absolute_url()).content.decode()
    listing = english.get(reverse("catalog:product_list")).content.decode()

    for html in (page, listing):
        assert "/ 5 kg box</span>" in html
        assert '<p class="badge">Zigui navel orange, geographical indication</p>' in html
        assert "5公斤箱" not in html and "地理标志产品" not in html
    assert "Picked in Maoping and sent straight from the orchard." in page
    assert "茅坪镇" not in page


def test_a_shopper_reading_chinese_sees_the_chinese_texts(client):
    product = oranges(**WRITTEN_IN_ENGLISH)

    html = client.get(product.get_absolute_url()).content.decode()

    assert "/ 5公斤箱</span>" in html
    assert '<p class="badge">秭归脐橙 地理标志产品</p>' in html
    assert "茅坪镇果园直发。" in html
    assert "5 kg box" not in html and "Maoping" not in html


def test_texts_the_vendor_left_without_english_show_in_chinese_in_english(english):
    product = oranges(pack_size_en="", origin_label_en="", description_en="")

    html = english.get(product.get_absolute_url()).content.decode()

    assert "<h1>Zigui navel oranges</h1>" in html
    assert "/ 5公斤箱</span>" in html
    assert '<p class="badge">秭归脐橙 地理标志产品</p>' in html
    assert "茅坪镇果园直发。" in html

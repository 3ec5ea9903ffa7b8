from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Category, County, Product, ProductImage
from tests.factories import ProductFactory, add_photo, image_bytes, upload

pytestmark = pytest.mark.django_db
CREATE = reverse("vendor:product_create")


def product_form(**changes):
    return {
        "name": "秭归脐橙 特级果",
        "name_en": "Zigui navel oranges, premium",
        "category": Category.objects.get(slug="citrus").pk,
        "origin_county": County.objects.get(slug="zigui").pk,
        "price": "69.90",
        "pack_size": "5 kg box",
        "net_weight_g": "5000",
        "stock": "40",
        "origin_label": "秭归脐橙 地理标志产品",
        "description": "茅坪镇果园直发。",
        **changes,
    }


def test_a_vendor_lists_a_product_with_photos_and_publishes_it(shop):
    client, _owner, vendor = shop

    response = client.post(
        CREATE, product_form(photos=[upload(), upload("b.png", image_bytes("PNG"), "image/png")])
    )

    product = Product.objects.get()
    assert response["Location"] == reverse("vendor:product_edit", args=[product.pk])
    assert (product.vendor, product.status, product.stock, product.price) == (
        vendor,
        "draft",
        40,
        Decimal("69.90"),
    )
    assert product.images.count() == 2
    assert all(i.thumbnail.name.startswith("products/thumbs/") for i in product.images.all())
    search = reverse("catalog:search")
    assert product.get_absolute_url() not in client.get(search, {"q": "特级果"}).content.decode()

    client.post(reverse("vendor:product_status", args=[product.pk]), {"status": "published"})

    assert Product.objects.get().status == "published"
    assert product.get_absolute_url() in client.get(search, {"q": "特级果"}).content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"price": "0"}, "Ensure this value is greater than or equal to 0.01."),
        ({"net_weight_g": ""}, "This field is required."),
        ({"photos": [upload("x.jpg", b"GIF89a nope")]}, "This file is not a photo."),
        ({"photos": [upload() for _ in range(9)]}, "at most 8 photos"),
    ],
)
def test_a_bad_product_form_says_what_is_wrong_and_saves_nothing(shop, changes, message):
    client, _owner, _vendor = shop

    response = client.post(CREATE, product_form(**changes))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Product.objects.exists() and not ProductImage.objects.exists()


def test_editing_never_overwrites_stock_sold_meanwhile(shop, product_of):
    client, _owner, vendor = shop
    product = product_of(vendor, stock=10)
    Product.objects.filter(pk=product.pk).update(stock=7)  # three sold since the page opened

    client.post(
        reverse("vendor:product_edit", args=[product.pk]), product_form(name="新名字", stock="10")
    )

    product.refresh_from_db()
    assert (product.name, product.stock) == ("新名字", 7)


def test_stock_moves_by_adjustments_and_never_below_zero(shop, product_of):
    client, _owner, vendor = shop
    product = product_of(vendor, stock=5)
    url = reverse("vendor:product_stock", args=[product.pk])

    client.post(url, {"change": "20"})
    refused = client.post(url, {"change": "-30"}, follow=True)

    product.refresh_from_db()
    assert product.stock == 25
    assert (
        "Stock cannot go below 0: there are 25, and the change is -30." in refused.content.decode()
    )


def test_an_eighth_photo_is_fine_and_a_ninth_is_refused(shop, product_of):
    client, _owner, vendor = shop
    product = product_of(vendor)
    for _ in range(7):
        add_photo(product)
    url = reverse("vendor:product_edit", args=[product.pk])

    client.post(url, product_form(photos=[upload()]))
    refused = client.post(url, product_form(photos=[upload()]))

    assert product.images.count() == 8
    assert "at most 8 photos; it has 8" in refused.content.decode()


def test_deleting_asks_first_then_removes_the_product_and_its_photo_files(
    shop, product_of, settings, django_capture_on_commit_callbacks
):
    client, _owner, vendor = shop
    product = product_of(vendor)
    photo = add_photo(product)
    url = reverse("vendor:product_delete", args=[product.pk])

    assert "Yes, delete it" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)

    assert not Product.objects.exists()
    assert not (settings.MEDIA_ROOT / photo.image.name).exists()


def test_a_photo_can_be_deleted(shop, product_of):
    client, _owner, vendor = shop
    product = product_of(vendor)
    first, second = add_photo(product), add_photo(product)

    client.post(reverse("vendor:photo_delete", args=[product.pk, first.pk]))

    assert list(product.images.all()) == [second]


def test_the_product_list_filters_and_runs_a_fixed_number_of_queries(
    session_reads, shop, product_of, django_assert_max_num_queries
):
    client, _owner, vendor = shop
    for i in range(6):
        add_photo(product_of(vendor, name=f"恩施玉露{i}", status="draft" if i % 2 else "published"))
    ProductFactory(name="别家的恩施玉露")

    # session, user, memberships, count, products, photos, categories (select_related)
    with django_assert_max_num_queries(6 + session_reads):
        html = client.get(reverse("vendor:products"), {"status": "draft"}).content.decode()

    assert html.count('class="product-cell"') == 3
    assert "别家的" not in html


def test_the_product_list_says_what_to_do_when_empty(shop):
    client, _owner, _vendor = shop

    html = client.get(reverse("vendor:products")).content.decode()

    assert "No products yet." in html and reverse("vendor:product_create") in html


def test_a_sale_during_the_save_is_not_undone_by_the_edit(shop, product_of):
    from django.db.models import F
    from django.db.models.signals import pre_save

    client, _owner, vendor = shop
    product = product_of(vendor, stock=10)

    def a_checkout_meanwhile(sender, instance, **kwargs):
        # Between the form's read and its write, a buyer takes 3 units.
        if instance.pk == product.pk:
            Product.objects.filter(pk=product.pk).update(stock=F("stock") - 3)

    pre_save.connect(a_checkout_meanwhile, sender=Product)
    try:
        client.post(
            reverse("vendor:product_edit", args=[product.pk]), product_form(name="秭归脐橙 新名")
        )
    finally:
        pre_save.disconnect(a_checkout_meanwhile, sender=Product)

    product.refresh_from_db()
    assert (product.name, product.stock) == ("秭归脐橙 新名", 7)


def test_the_product_form_takes_the_english_texts_shoppers_read_in_english(shop, english):
    client, _owner, _vendor = shop
    form = client.get(CREATE).content.decode()
    assert 'name="pack_size_en"' in form and "English pack size" in form
    assert 'name="origin_label_en"' in form and 'name="description_en"' in form

    client.post(
        CREATE,
        product_form(
            pack_size_en="5 kg box",
            origin_label_en="Zigui navel orange, GI",
            description_en="Sent from the orchard in Maoping.",
        ),
    )

    product = Product.objects.get()
    assert (product.pack_size_en, product.origin_label_en, product.description_en) == (
        "5 kg box",
        "Zigui navel orange, GI",
        "Sent from the orchard in Maoping.",
    )
    client.post(reverse("vendor:product_status", args=[product.pk]), {"status": "published"})
    html = english.get(product.get_absolute_url()).content.decode()
    assert "Sent from the orchard in Maoping." in html and "Zigui navel orange, GI" in html

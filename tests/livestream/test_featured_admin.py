"""Staff feature products on a stream in the admin: only the stream's vendors' products,
so that a product of the same name from another shop is not sold on it by mistake."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalog.models import County
from livestream import services
from livestream.models import FeaturedProduct, LiveStream
from tests.factories import ProductFactory, VendorFactory

pytestmark = pytest.mark.django_db
ADD = reverse("admin:livestream_livestream_add")


@pytest.fixture
def shops(db):
    orchard, trader = VendorFactory(name="秭归橙园"), VendorFactory(name="宜昌果行")
    return (
        ProductFactory(name="秭归脐橙 5kg", vendor=orchard, price=Decimal("59.90")),
        ProductFactory(name="秭归脐橙 5kg", vendor=trader, price=Decimal("49.00")),
    )


def form(vendors, *products, **changes):
    data = {
        "title": "县长带你吃秭归脐橙",
        "title_en": "Zigui oranges",
        "slug": "zigui-live",
        "host_name": "王县长",
        "host_title": "秭归县县长",
        "county": County.objects.get(slug="zigui").pk,
        "vendors": [v.pk for v in vendors],
        "scheduled_start_0": "2026-04-20",
        "scheduled_start_1": "19:30:00",
        "scheduled_end_0": "2026-04-20",
        "scheduled_end_1": "21:30:00",
        "stream_url": "",
        "replay_url": "",
        "reminder_minutes": "15",
        "featured-TOTAL_FORMS": str(len(products)),
        "featured-INITIAL_FORMS": "0",
        "featured-MIN_NUM_FORMS": "0",
        "featured-MAX_NUM_FORMS": "1000",
    }
    for n, product in enumerate(products):
        data |= {
            f"featured-{n}-position": str(n),
            f"featured-{n}-product": str(product.pk),
            f"featured-{n}-stream_price": "",
        }
    return data | changes


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "秭归脐橙 5kg is sold by 宜昌果行, which is not one of this stream&#x27;s vendors"),
        ("zh-hans", "秭归脐橙 5kg 由 宜昌果行 销售，不是本场直播的商家"),
    ],
)
def test_a_product_of_another_vendor_is_refused_on_its_row(staff_client, shops, language, message):
    oranges, lookalike = shops
    staff_client.defaults["HTTP_ACCEPT_LANGUAGE"] = language

    response = staff_client.post(ADD, form([oranges.vendor], oranges, lookalike))

    assert response.status_code == 200
    first, second = response.context["inline_admin_formsets"][0].formset.forms
    assert (first.errors, list(second.errors)) == ({}, ["product"])
    assert message in response.content.decode()
    assert (LiveStream.objects.count(), FeaturedProduct.objects.count()) == (0, 0)


def test_vendors_and_their_products_are_saved_in_one_go(staff_client, shops):
    oranges, lookalike = shops

    response = staff_client.post(ADD, form([oranges.vendor, lookalike.vendor], oranges, lookalike))

    assert response.status_code == 302
    stream = LiveStream.objects.get()
    assert set(stream.vendors.all()) == {oranges.vendor, lookalike.vendor}
    assert [f.product for f in stream.featured.all()] == [oranges, lookalike]


def test_taking_a_vendor_off_the_stream_while_its_product_is_featured_is_refused(
    staff_client, shops
):
    oranges, _ = shops
    staff_client.post(ADD, form([oranges.vendor], oranges))
    stream = LiveStream.objects.get()
    featured = stream.featured.get()
    change = reverse("admin:livestream_livestream_change", args=[stream.pk])

    response = staff_client.post(
        change,
        form(
            [],
            **{
                "featured-TOTAL_FORMS": "1",
                "featured-INITIAL_FORMS": "1",
                "featured-0-id": featured.pk,
                "featured-0-stream": stream.pk,
                "featured-0-position": "0",
                "featured-0-product": oranges.pk,
                "featured-0-stream_price": "",
            },
        ),
    )

    assert response.status_code == 200
    assert "which is not one of this stream&#x27;s vendors" in response.content.decode()
    assert list(stream.vendors.all()) == [oranges.vendor]


def test_the_service_features_only_the_streams_vendors_products(shops):
    oranges, lookalike = shops
    stream = LiveStream.objects.create(
        title="秭归脐橙",
        slug="s",
        host_name="王县长",
        host_title="县长",
        county=County.objects.get(slug="zigui"),
        scheduled_start="2026-04-20T19:30+08:00",
        scheduled_end="2026-04-20T21:30+08:00",
    )
    stream.vendors.set([oranges.vendor])

    services.feature_product(stream, oranges)
    with pytest.raises(ValidationError) as refused:
        services.feature_product(stream, lookalike)

    assert refused.value.messages == [
        services.NOT_THE_STREAMS_VENDOR % {"product": "秭归脐橙 5kg", "vendor": "宜昌果行"}
    ]
    assert [f.product for f in stream.featured.all()] == [oranges]

"""The demo store's reviews: the demo shoppers reviewed what they received, the products'
and shops' figures match the shown reviews, and the pages show them."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum

from catalog.models import Product, Vendor
from demo.catalog import DEMO_VENDOR_SLUG
from orders.models import OrderPart
from reviews.models import Review

pytestmark = pytest.mark.django_db


def seed(products=40):
    out = StringIO()
    call_command("seed_demo", products=products, no_progress=True, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_demo_shoppers_reviewed_what_they_received_and_the_figures_match(client):
    output = seed()

    reviews = Review.objects.all()
    made = reviews.count()
    assert f"Reviews: {made} new" in output and made >= 50
    assert set(reviews.values_list("line__part__status", flat=True)) == {OrderPart.Status.DELIVERED}
    assert reviews.exclude(follow_up="").exists() and reviews.exclude(reply="").exists()
    assert reviews.filter(photos__isnull=False).exists()
    hidden = reviews.get(hidden_at__isnull=False)
    assert hidden.hidden_reason
    shown = reviews.filter(hidden_at__isnull=True)
    for product in Product.objects.filter(rating_count__gt=0):
        figures = shown.filter(product=product).aggregate(count=Count("id"), total=Sum("stars"))
        assert (product.rating_count, product.rating_total) == (
            figures["count"],
            figures["total"],
        )
    demo_shop = Vendor.objects.get(slug=DEMO_VENDOR_SLUG)
    assert demo_shop.recent_rating_count == shown.filter(vendor=demo_shop).count() > 0
    reviewed = Product.objects.filter(rating_count__gt=0).order_by("-rating_count").first()
    page = client.get(reviewed.get_absolute_url()).content.decode()
    assert "查看全部评价" in page and "条评价" in page
    assert (
        hidden.text not in client.get(f"/products/{hidden.product.slug}/reviews/").content.decode()
    )

    assert "Reviews: 0 new" in seed()
    assert Review.objects.count() == made

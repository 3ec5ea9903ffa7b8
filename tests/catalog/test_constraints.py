import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from catalog.models import Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_the_database_refuses_stock_below_zero():
    product = ProductFactory(stock=2)

    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(stock=F("stock") - 3)

    product.refresh_from_db()
    assert product.stock == 2


def test_the_database_refuses_a_zero_price():
    product = ProductFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(price=0)

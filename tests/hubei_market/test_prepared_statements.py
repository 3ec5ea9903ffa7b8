"""On PostgreSQL a statement run a few times on a connection is prepared: planned once."""

import pytest
from django.conf import settings
from django.db import connection

from catalog.models import Product

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
    ),
]


def prepared_on_this_connection():
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall() if '"catalog_product"."stock" >= $1' in row[0]]


def test_a_repeated_query_is_prepared_after_the_threshold_whatever_its_values():
    threshold = settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]
    if threshold is None:
        pytest.skip("DATABASE_PREPARE_THRESHOLD=off")
    for n in range(threshold):
        list(Product.objects.filter(stock__gte=1000 + n))
    assert prepared_on_this_connection() == []

    list(Product.objects.filter(stock__gte=2000))
    list(Product.objects.filter(stock__gte=3000))

    assert len(prepared_on_this_connection()) == 1

"""No web request runs unbounded: PostgreSQL cancels a statement that runs too long, and
the shopper gets a page that says so, with nothing changed."""

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from core.processes import process_kind
from tests.factories import ProductFactory

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
needs_postgres = pytest.mark.skipif(not ON_POSTGRES, reason="statement_timeout is PostgreSQL's")


@pytest.mark.parametrize(
    ("argv", "kind"),
    [
        (["/srv/.venv/bin/gunicorn", "hubei_market.wsgi"], "web"),
        (["manage.py", "runserver"], "web"),
        (["/srv/.venv/bin/pytest", "-q"], "web"),
        (["/srv/.venv/bin/celery", "-A", "hubei_market", "worker"], "background"),
        (["/srv/.venv/bin/celery", "-A", "hubei_market", "beat"], "background"),
        (["/usr/lib/python3/site-packages/celery/__main__.py", "worker"], "background"),
        (["manage.py", "seed_demo", "--products", "1000000"], "background"),
        (["manage.py", "migrate"], "background"),
    ],
)
def test_web_processes_get_the_short_timeout_and_the_others_the_long_one(argv, kind):
    assert process_kind(argv) == kind


@needs_postgres
@pytest.mark.django_db
def test_a_web_process_connects_with_its_statement_timeout():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "5s"


@pytest.fixture
def catalog_locked(transactional_db):
    """Another session holds the products table (a migration rewriting it, say): every
    statement reading it waits, and a web request's waits at most its timeout."""
    product = ProductFactory(name="秭归脐橙", name_en="Zigui navel oranges", stock=5)
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params) as other:
        other.execute("LOCK TABLE catalog_product IN ACCESS EXCLUSIVE MODE")
        with connection.cursor() as cursor:  # the test client's connection
            cursor.execute("SET statement_timeout = 300")
        try:
            yield product, other.rollback  # the test may release it itself
        finally:
            other.rollback()
            with connection.cursor() as cursor:  # the connection outlives the test
                cursor.execute("RESET statement_timeout")


@needs_postgres
@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("/search/?q=orange", "That search matches too much of the zone"),
        ("/products/", "The store is very busy. Nothing was changed"),
    ],
)
def test_a_statement_cancelled_for_time_is_a_clear_page_not_an_error(
    catalog_locked, client, url, says
):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    html = response.content.decode()
    assert "This took too long" in html and says in html


@needs_postgres
def test_the_timeout_page_speaks_chinese_and_answers_htmx_without_a_swap(catalog_locked, client):
    response = client.get("/search/?q=orange", HTTP_HX_REQUEST="true")

    assert response.status_code == 503
    assert response["HX-Reswap"] == "none"
    assert "加载超时" in response.content.decode()


@needs_postgres
def test_a_cart_addition_cancelled_for_time_adds_nothing(catalog_locked, english):
    product, release = catalog_locked
    added = english.post(f"/cart/add/{product.pk}/", {"quantity": 2})
    assert added.status_code == 503
    assert "Nothing was changed" in added.content.decode()

    release()
    cart = english.get("/cart/").content.decode()
    assert "Zigui navel oranges" not in cart
    assert english.post(f"/cart/add/{product.pk}/", {"quantity": 2}).status_code == 302
    assert "Zigui navel oranges" in english.get("/cart/").content.decode()

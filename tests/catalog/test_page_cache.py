"""Cached catalog pages never show a stale price, stock or visibility."""

import re
import time
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from catalog import services
from catalog.models import Product
from catalog.page_cache import CSRF_PLACEHOLDER, bump_catalog_revision
from tests.factories import KeywordLandingFactory, ProductFactory, add_photo

pytestmark = pytest.mark.django_db


def test_a_price_change_shows_at_once_on_cached_pages(client):
    product = ProductFactory(price=Decimal("59.90"))
    for url in ["/", "/products/", product.get_absolute_url()]:
        assert "¥59.90" in client.get(url).content.decode()

    product.price = Decimal("49.90")
    services.save_product(product)

    for url in ["/", "/products/", product.get_absolute_url()]:
        html = client.get(url).content.decode()
        assert "¥49.90" in html, url
        assert "¥59.90" not in html, url


def test_stock_taken_with_an_update_shows_at_once(english):
    product = ProductFactory(stock=1)
    assert "Sold out" not in english.get("/products/").content.decode()

    # how checkout takes stock: a conditional update, then the revision moves
    taken = Product.objects.filter(pk=product.pk, stock__gte=1).update(
        stock=0, updated_at=timezone.now()
    )
    bump_catalog_revision()

    assert taken == 1
    assert "Sold out" in english.get("/products/").content.decode()
    assert "Sold out" in english.get(product.get_absolute_url()).content.decode()


def test_cached_pages_follow_the_language(client):
    ProductFactory(name="秭归脐橙", name_en="Zigui navel oranges")

    chinese = client.get("/products/").content.decode()
    english = client.get("/products/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "秭归脐橙" in chinese and "Zigui navel oranges" not in chinese
    assert "Zigui navel oranges" in english


def test_each_shopper_gets_their_own_csrf_token_from_a_cached_page(client):
    ProductFactory()
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)

    tokens = []
    for shopper in (first, second):
        html = shopper.get("/products/").content.decode()
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1])

    assert tokens[0] != tokens[1]
    assert CSRF_PLACEHOLDER not in tokens[0]
    # the token from the cached page works for the language switch
    switched = second.post(
        "/i18n/setlang/", {"language": "en", "next": "/products/", "csrfmiddlewaretoken": tokens[1]}
    )
    assert (switched.status_code, switched["Location"]) == (302, "/products/")


def signed_in_shopper(django_user_model, username="shopper"):
    shopper = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    shopper.force_login(django_user_model.objects.create_user(username, password="pw-123456"))
    return shopper


def test_signed_in_shoppers_share_the_cached_page_with_their_own_header(
    django_user_model,
):
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    shopper = signed_in_shopper(django_user_model)
    product = ProductFactory(name="旧名字", name_en="")
    # The shopper renders it first: the stored page must not carry their header.
    assert "旧名字" in shopper.get("/products/").content.decode()
    # a write that (wrongly) skips bump_catalog_revision: the stored page is what answers
    Product.objects.filter(pk=product.pk).update(name="新名字")

    for url in ["/products/", product.get_absolute_url(), "/", "/search/?q=旧名字"]:
        mine, theirs = shopper.get(url).content.decode(), visitor.get(url).content.decode()
        assert "My orders" in mine and "Sign out" in mine and "Sign in" not in mine, url
        assert "Sign in" in theirs and "My orders" not in theirs, url
        assert "Sign out" not in theirs, url
    assert "旧名字" in shopper.get("/products/").content.decode()  # served from the cache


def test_the_sign_out_button_of_a_cached_page_carries_the_shoppers_own_token(
    django_user_model,
):
    ProductFactory()
    first = signed_in_shopper(django_user_model, "first")
    second = signed_in_shopper(django_user_model, "second")
    first.get("/products/")  # stored

    html = second.get("/products/").content.decode()
    form = re.search(r'action="/accounts/logout/">(.*?)</form>', html, re.S)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form[1])[1]
    assert CSRF_PLACEHOLDER not in html

    signed_out = second.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert signed_out.status_code == 302
    assert "Sign in" in second.get("/products/").content.decode()
    assert "Sign out" in first.get("/products/").content.decode()


def test_adding_a_photo_or_a_landing_shows_at_once(client):
    product = ProductFactory()
    client.get(product.get_absolute_url())
    client.get("/")

    add_photo(product)
    KeywordLandingFactory(keyword="潜江龙虾")

    assert "/media/products/" in client.get(product.get_absolute_url()).content.decode()
    assert "潜江龙虾" in client.get("/").content.decode()


def test_each_answer_says_whether_the_page_was_rendered(english, django_user_model):
    client = english  # the shopper's language: the same stored page
    product = ProductFactory()
    shopper = signed_in_shopper(django_user_model)

    assert client.get("/products/")["X-Page-Cache"] == "render"
    assert client.get("/products/")["X-Page-Cache"] == "hit"
    assert shopper.get("/products/")["X-Page-Cache"] == "hit"
    product.price = Decimal("12.50")
    services.save_product(product)
    assert shopper.get("/products/")["X-Page-Cache"] == "render"
    assert client.get("/products/")["X-Page-Cache"] == "hit"


@pytest.mark.django_db(transaction=True)
def test_a_stale_page_is_rendered_once_while_the_others_wait_for_it(settings):
    """Eight shoppers ask for the listing at once right after a change: one renders it,
    the others are given the page as it was or the new one (each with their own token),
    none renders it too."""
    import threading

    from django.db import connections

    ProductFactory.create_batch(30)
    Client().get("/products/")  # stored, then made stale
    bump_catalog_revision()
    start = threading.Barrier(8)
    answers = []

    def shopper():
        client = Client()
        start.wait()
        try:
            response = client.get("/products/")
            answers.append((response.status_code, response["X-Page-Cache"]))
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=shopper) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(status for status, _ in answers) == [200] * 8
    assert [how for _, how in answers].count("render") == 1, answers


def test_a_page_whose_renderer_never_stores_it_is_rendered_after_the_wait(settings, english):
    """The process holding a page's rendering mark died (or the page was a 404): the
    others render it themselves once the mark is gone, or after the wait at most."""
    from django.core.cache import cache

    from catalog.page_cache import _rendering_key, cache_key

    settings.PAGE_RENDER_WAIT_SECONDS = 0.3
    ProductFactory(name_en="Zigui navel oranges")
    key = cache_key("page", "en", "/products/", "", "False")
    cache.add(_rendering_key(key), 1, 60)  # held, and never given back

    started = time.monotonic()
    response = english.get("/products/")

    assert response["X-Page-Cache"] == "render"
    assert "Zigui navel oranges" in response.content.decode()
    assert 0.3 <= time.monotonic() - started < 3
    assert english.get("/products/")["X-Page-Cache"] == "hit"


def test_while_another_renders_a_stale_page_the_others_get_it_as_it_was_at_once(settings, english):
    """Sync workers do not sleep waiting for each other: the page as it was, until the
    one rendering it has stored the new one."""
    from django.core.cache import cache

    from catalog.page_cache import _rendering_key, cache_key

    settings.PAGE_RENDER_WAIT_SECONDS = 5
    product = ProductFactory(name_en="Zigui navel oranges", price=Decimal("39.90"))
    english.get("/products/")
    product.price = Decimal("35.00")
    product.save()  # the listing is stale
    key = cache_key("page", "en", "/products/", "", "False")
    cache.add(_rendering_key(key), 1, 60)  # another process is rendering it

    started = time.monotonic()
    response = english.get("/products/")

    assert response["X-Page-Cache"] == "stale"
    assert time.monotonic() - started < 1
    assert "39.90" in response.content.decode()
    cache.delete(_rendering_key(key))  # it is done (here: it gave up)
    response = english.get("/products/")
    assert response["X-Page-Cache"] == "render"
    assert "35.00" in response.content.decode() and "39.90" not in response.content.decode()


def test_with_pages_not_cached_every_answer_is_rendered_for_its_shopper(
    settings, english, django_user_model
):
    settings.CATALOG_PAGES_CACHED = False
    ProductFactory()
    shopper = signed_in_shopper(django_user_model)
    for _ in range(2):
        mine, theirs = shopper.get("/products/"), english.get("/products/")
        assert (mine["X-Page-Cache"], theirs["X-Page-Cache"]) == ("render", "render")
        assert "Sign out" in mine.content.decode() and "Sign in" in theirs.content.decode()


def test_the_filter_form_shows_what_each_shopper_asked_and_new_categories(english):
    """The form's fields are cached apart (catalog/partials/filter_fields.html): by the
    values asked for, and until the taxonomy changes."""
    from tests.factories import CategoryFactory

    ProductFactory(category=CategoryFactory(slug="tea-f", name_en="Tea"))

    def chosen_sort(url):
        html = english.get(url).content.decode()
        return re.search(r'<option value="(\w+)" selected>', html.split('name="sort"')[1])[1]

    assert chosen_sort("/products/?sort=price") == "price"
    assert chosen_sort("/products/?sort=name") == "name"
    assert chosen_sort("/products/?sort=price&page=2") == "price"
    assert 'value="oranges-f"' not in english.get("/products/").content.decode()

    CategoryFactory(slug="oranges-f", name_en="Oranges")

    assert 'value="oranges-f"' in english.get("/products/?sort=name").content.decode()


def test_a_page_gone_is_never_given_as_it_was(settings, english):
    """A product hidden: once its page answers 404, a request arriving while another
    renders it is not given the old page showing it."""
    from django.core.cache import cache

    from catalog.page_cache import _rendering_key, cache_key

    settings.PAGE_RENDER_WAIT_SECONDS = 0.2
    product = ProductFactory(name_en="Zigui navel oranges")
    url = product.get_absolute_url()
    assert english.get(url).status_code == 200
    services.set_product_status(product, Product.Status.DRAFT)
    assert english.get(url).status_code == 404

    key = cache_key("page", "en", url, "", "False")
    cache.add(_rendering_key(key), 1, 60)  # another process is rendering it
    response = english.get(url)

    assert response.status_code == 404  # rendered again, after waiting for the other

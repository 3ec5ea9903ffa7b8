"""seed_products' shortcuts (search fields built once per combination, COPY and parallel
writers on PostgreSQL) write the products it always wrote."""

import threading

import pytest
from django.db import connection

from catalog.models import Category, County, Product, ProductImage
from catalog.search import SEARCH_FIELDS, fill_search_fields
from demo import bulk_load
from demo import catalog as seed
from demo.specialties import GRADES, SPECIALTIES

# The fields a product's index decides (its id and timestamps are the database's).
DECIDED = [
    field.attname
    for field in Product._meta.concrete_fields
    if not field.generated and field.attname not in {"id", "created_at", "updated_at"}
]


def _places():
    categories = {c.slug: c for c in Category.objects.all()}
    counties = {c.slug: c for c in County.objects.select_related("prefecture")}
    return categories, counties


@pytest.mark.django_db
def test_search_fields_built_once_are_what_each_product_would_build():
    vendors = seed.seed_vendors()
    categories, counties = _places()
    known = {}
    cycle = len(SPECIALTIES) * len(GRADES)  # the same names come back after this many

    for index in range(3 * cycle):
        product = seed._product_for(index, vendors, categories, counties, known)
        alone = seed._product_for(index, vendors, categories, counties)
        fill_search_fields(alone)

        assert [getattr(product, f) for f in SEARCH_FIELDS] == [
            getattr(alone, f) for f in SEARCH_FIELDS
        ]
    assert len(known) < 3 * cycle  # some were taken from the ones built before


def _assert_seeded_as_built(count, vendors):
    categories, counties = _places()
    rows = list(Product.objects.filter(slug__startswith="demo-").order_by("slug"))
    assert [row.slug for row in rows] == [f"demo-{i + 1:06d}" for i in range(count)]
    assert [row.pk for row in rows] == sorted(row.pk for row in rows)  # ids in their order
    for index, row in enumerate(rows):
        built = seed._product_for(index, vendors, categories, counties)
        assert {f: getattr(row, f) for f in DECIDED} == {f: getattr(built, f) for f in DECIDED}
        photos = {built.category.slug: seed.ensure_category_photos(built.category)}
        image = seed._image_for(index, built, photos)
        assert list(row.images.values_list("image", "thumbnail", "alt_text", "position")) == [
            (image.image.name, image.thumbnail.name, image.alt_text, image.position)
        ]
    assert ProductImage.objects.count() == count


@pytest.mark.django_db
def test_seeded_products_are_the_ones_built_for_their_index(monkeypatch):
    monkeypatch.setattr(seed, "BATCH_SIZE", 7)  # several batches, the last one short
    recorded = []
    record = seed.record_search_words
    monkeypatch.setattr(
        seed, "record_search_words", lambda docs: record(recorded.append(docs) or docs)
    )
    vendors = seed.seed_vendors()

    assert seed.seed_products(30, vendors) == 30
    assert seed.seed_products(40, vendors) == 10

    _assert_seeded_as_built(40, vendors)
    assert len(recorded) == 5 + 2
    assert all(len(set(documents)) == len(documents) for documents in recorded)  # distinct
    assert {d for documents in recorded for d in documents} == set(
        Product.objects.values_list("search_document", flat=True)
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel writers: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_parallel_writers_seed_the_same_products(monkeypatch):
    monkeypatch.setattr(seed, "BATCH_SIZE", 7)
    # A test before, on this worker, without a transaction of its own may have emptied
    # the tables the migrations filled (the counties): loaded again if so.
    seed.seed_reference_data()
    vendors = seed.seed_vendors()
    threads = threading.active_count()

    assert seed.seed_products(45, vendors) == 45

    _assert_seeded_as_built(45, vendors)
    assert threading.active_count() == threads


def test_jobs_run_in_threads_yield_each_result_and_raise_the_first_error():
    threads = set()
    running = threading.active_count()

    def job(value):
        def run():
            threads.add(threading.get_ident())
            if value < 0:
                raise ValueError(value)
            return value

        return run

    assert sorted(bulk_load.run_in_threads((job(n) for n in range(10)), 2)) == list(range(10))
    assert threading.get_ident() not in threads
    with pytest.raises(ValueError, match="-1"):
        list(bulk_load.run_in_threads((job(n) for n in [1, -1, 2, 3, 4, 5]), 2))
    assert threading.active_count() == running  # each joined

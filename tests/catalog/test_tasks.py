"""Celery tasks: safe to run twice, and delivered through the real broker."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from catalog.models import County, Product
from catalog.tasks import refresh_search_documents_task
from hubei_market.celery import app as celery_app
from tests.factories import ProductFactory

ROOT = Path(__file__).resolve().parents[2]
ON_POSTGRES_AND_REDIS = settings.DATABASES["default"][
    "ENGINE"
] == "django.db.backends.postgresql" and bool(settings.REDIS_URL)


@pytest.mark.django_db
def test_refreshing_search_documents_twice_gives_the_same_result():
    product = ProductFactory(name="罗田板栗")
    County.objects.filter(pk=product.origin_county_id).update(name_zh="新县名")

    assert (
        refresh_search_documents_task.delay({"origin_county_id": product.origin_county_id}).get()
        == 1
    )
    first = Product.objects.get(pk=product.pk).search_document
    refresh_search_documents_task.delay({"origin_county_id": product.origin_county_id}).get()

    assert "新县" in first.split()
    assert Product.objects.get(pk=product.pk).search_document == first


@pytest.mark.django_db
def test_an_unknown_filter_rebuilds_nothing():
    ProductFactory()

    assert refresh_search_documents_task.delay({"status": "published"}).get() == 0


@pytest.mark.skipif(
    not ON_POSTGRES_AND_REDIS, reason="needs PostgreSQL and Redis (make test-postgres)"
)
@pytest.mark.django_db(transaction=True)
def test_a_task_sent_through_redis_is_run_by_a_real_worker():
    product = ProductFactory(name="麻城福白菊")
    County.objects.filter(pk=product.origin_county_id).update(name_zh="福白菊之乡")
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DEBUG": "1",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "hubei_market",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    celery_app.conf.task_always_eager = False
    try:
        refresh_search_documents_task.delay({"origin_county_id": product.origin_county_id})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if "之乡" in Product.objects.get(pk=product.pk).search_document.split():
                break
            time.sleep(0.2)
        else:
            worker.terminate()
            pytest.fail("the worker did not run the task:\n" + worker.communicate()[0].decode())
    finally:
        celery_app.conf.task_always_eager = True
        worker.terminate()
        worker.wait(timeout=20)

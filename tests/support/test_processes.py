import signal
import urllib.request

import pytest
from django.conf import settings

from tests.support.processes import Processes, service_env, start_gunicorn, start_worker

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="subprocesses share the test database, and SQLite's is in this process's memory",
)


@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_the_test_database_and_stops_with_its_workers(tmp_path, private_redis):
    server = start_gunicorn(
        service_env(redis_url=private_redis.url), tmp_path / "web.log", workers=1
    )
    try:
        with urllib.request.urlopen(server.url + "/", timeout=10) as response:
            assert response.status == 200
    finally:
        server.stop()
    assert server.alive() is False


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_dies_at_once_with_its_pool(tmp_path, private_redis):
    worker = start_worker(
        service_env(redis_url=private_redis.url),
        tmp_path / "worker.log",
        pool="prefork",
        concurrency=1,
    )
    worker.kill()
    assert worker.popen.returncode == -signal.SIGKILL
    worker.stop()  # nothing left: a no-op


@pytest.mark.django_db(transaction=True)
def test_processes_stops_every_one_it_started_each_with_its_own_log(tmp_path, private_redis):
    env = service_env(redis_url=private_redis.url)
    with Processes(tmp_path) as started:
        first, second = started.worker(env), started.worker(env)
        server = started.gunicorn(env, workers=1)
        first.kill()  # a crash: leaving the block only reaps it
        assert second.alive() and server.alive()
    assert [p.alive() for p in (first, second, server)] == [False, False, False]
    assert sorted(p.log_path.name for p in (first, second, server)) == [
        "gunicorn.log",
        "worker-2.log",
        "worker.log",
    ]

"""pytest fixtures for the real services of tests.support (loaded by tests/conftest.py)."""

import pytest

from tests.support.smtp_server import SmtpServer


@pytest.fixture
def smtp_server():
    """A running SmtpServer (set `.delay` for a slow one); stopped after the test."""
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of the test's own on a free port (`.url`); stopped after the test.
    Skips when redis-server is not installed."""
    import shutil

    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    from tests.support.processes import start_redis

    redis = start_redis(tmp_path / "redis")
    try:
        yield redis
    finally:
        redis.stop()

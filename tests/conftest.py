import pytest
from django.core.cache import cache

from hubei_market.celery import app as celery_app
from tests import factories
from tests.support.fixtures import private_redis, smtp_server  # noqa: F401 - fixtures


@pytest.fixture(scope="session")
def payment_sandbox_dir(tmp_path_factory):
    """One set of sandbox gateway keys per test process (generated on first use)."""
    return tmp_path_factory.mktemp("payment-sandbox")


@pytest.fixture
def sandbox_site(live_server, settings, transactional_db):
    """The live server as the store's SITE_URL: the gateways' calls reach the sandbox it
    serves, and the sandbox's notifications reach its notify_url."""
    settings.SITE_URL = live_server.url
    settings.PAYMENT_GATEWAY_TIMEOUT = (2.0, 5.0)
    return live_server


# Tests that count queries pin them as Django reads them, the signed-in user included:
# the cached user (core/auth_backends.py) would make the count depend on which request
# came first. tests/core/test_cached_users.py tests it, and every other test runs with it.
COUNTING_FIXTURES = {"django_assert_num_queries", "django_assert_max_num_queries", "session_reads"}


@pytest.fixture(autouse=True)
def _test_settings(request, settings, tmp_path, payment_sandbox_dir):
    if COUNTING_FIXTURES & set(request.fixturenames):
        settings.AUTH_USERS_CACHED = False
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PAYMENT_SANDBOX_DIR = payment_sandbox_dir
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
    if "Redis" not in settings.CACHES["default"]["BACKEND"]:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    celery_app.conf.task_always_eager = True
    # Every poll of a stream's counters goes to Redis (tests/livestream tests the batching).
    settings.STREAM_COUNTER_BATCH_SECONDS = 0
    settings.IMPACT_CACHE_SECONDS = 0  # the impact board as the rollups are now
    # seed_demo's two months of orders, fewer (a seed took 5 s, most of it the orders);
    # every stage of an order and of after-sales is still among them.
    settings.DEMO_ORDERS = 300
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def english(client):
    """A client whose browser asks for English."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def staff_client(client, django_user_model):
    staff = django_user_model.objects.create_user(
        "staff", password="staff-password", is_staff=True, is_superuser=True
    )
    client.force_login(staff)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def zigui(db):
    return factories.CountyFactory(slug="zigui-test", name_en="Zigui County", name_zh="秭归县")


@pytest.fixture
def citrus(db):
    return factories.CategoryFactory(
        slug="citrus-test", name_en="Oranges & citrus", name_zh="脐橙柑橘"
    )


@pytest.fixture
def session_reads(settings):
    """Queries a signed-in request spends reading its session: none when sessions are
    cached in Redis (the production profile), one from the database otherwise."""
    return 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1

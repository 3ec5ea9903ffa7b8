"""Hubei Market settings: one module, read from the environment.

With no environment at all the store runs on SQLite, a local-memory cache and an
embedded (filesystem) Celery broker, so `make run` works on a bare machine. Setting
DATABASE_URL and REDIS_URL switches to the production profile: PostgreSQL, Redis for the
cache and the Celery broker. See the README for the full table.
"""

import sys
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

from core.processes import process_kind

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# --- Core -----------------------------------------------------------------------------
# On by default only in the embedded profile (no DATABASE_URL): a server given a real
# database runs with DEBUG off, and so refuses the development SECRET_KEY, unless told.
DEBUG = env.bool("DEBUG", default="DATABASE_URL" not in env)

DEVELOPMENT_SECRET_KEY = "django-insecure-hubei-market-development-key-never-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "django_htmx",
    "axes",
    "csp",
    "django_celery_beat",
    "notifications",
    "catalog",
    "orders",
    "reviews",
    "livestream",
    "gateway_sandbox",
    "payments",
    "aftersales",
    "settlement",
    "demo",
]

MIDDLEWARE = [
    # First: no other middleware (sessions, sign-in records) reads a control character.
    "core.middleware.ControlCharactersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Early, so that every response gets them, those of the middleware below included.
    "core.security_headers.ContentSecurityPolicyMiddleware",
    "core.security_headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A statement cancelled for taking too long: a page saying so, not the error page.
    "core.statement_timeout.StatementTimeoutMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its lockout page.
    "axes.middleware.AxesMiddleware",
]
# A message already waiting is not added again (hubei_market/messages.py).
MESSAGE_STORAGE = "core.messages.OnceStorage"

ROOT_URLCONF = "hubei_market.urls"
WSGI_APPLICATION = "hubei_market.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # The vendor dashboard's after-sales count (its nav and home page).
                "aftersales.context_processors.vendor_aftersales",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the Celery worker and seed_demo share one file: WAL lets readers
    # go on while one writer writes, IMMEDIATE makes writers queue instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Prepared statements: a statement a connection ran DATABASE_PREPARE_THRESHOLD times
    # is parsed and planned once from then on (psycopg's automatic preparation, which
    # needs server-side binding). A checkout's dozen statements cost PostgreSQL about 40 %
    # less CPU (bench/analysis.md). A ROLLBACK forgets them (psycopg), so a refused
    # checkout costs its connection the preparing again. "off" behind a PgBouncer in
    # transaction mode without max_prepared_statements. Server-side binding takes at most
    # 65,535 parameters per statement: long lists of ids go in batches (hubei_market/db.py).
    _prepare_threshold = env.str("DATABASE_PREPARE_THRESHOLD", default="5").strip().lower()
    # No web request runs unbounded (core/statement_timeout.py): a web process's
    # statements are cancelled after DATABASE_STATEMENT_TIMEOUT_MS, the worker's, beat's
    # and commands' after the longer DATABASE_BACKGROUND_STATEMENT_TIMEOUT_MS (0: none).
    # Lock waits count: a checkout queued that long behind others is told to try again.
    _statement_timeout_ms = (
        env.int("DATABASE_STATEMENT_TIMEOUT_MS", default=5_000)
        if process_kind(sys.argv) == "web"
        else env.int("DATABASE_BACKGROUND_STATEMENT_TIMEOUT_MS", default=600_000)
    )
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "server_side_binding": True,
        "prepare_threshold": (
            None if _prepare_threshold in ("off", "none", "") else int(_prepare_threshold)
        ),
        "options": f"-c statement_timeout={_statement_timeout_ms}",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery ---------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")

# Redis is a cache, never the only copy: when it is unreachable the store keeps selling
# (README, "During a Redis outage"). A call gives up after REDIS_TIMEOUT_SECONDS (connect
# or read), and a process that saw a failure leaves Redis alone for REDIS_RETRY_SECONDS,
# so an outage, even a Redis that hangs, costs milliseconds per page, not seconds.
REDIS_TIMEOUT_SECONDS = env.float("REDIS_TIMEOUT_SECONDS", default=0.5)
REDIS_RETRY_SECONDS = env.float("REDIS_RETRY_SECONDS", default=2.0)

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.redis_cache.FaultTolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "hubei",
            "RETRY_SECONDS": REDIS_RETRY_SECONDS,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    # A publish from a web request (after a checkout commits) gives up within about a
    # second when Redis is down; the rows it was about wait for the beat sweep. The
    # worker's own connection waits in BRPOP for 1 s at a time, well inside these.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
        "socket_timeout": max(REDIS_TIMEOUT_SECONDS, 2.0),
    }
    CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT_SECONDS
    CELERY_TASK_PUBLISH_RETRY_POLICY = {
        "max_retries": 2,
        "interval_start": 0,
        "interval_step": 0.1,
        "interval_max": 0.2,
    }
    # Signed-in requests read their session from Redis, and PostgreSQL only on a miss
    # (or while Redis is down: the cache above answers a miss).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    # Files, not local memory: the web server, the worker and seed_demo must all see the
    # catalog revision that invalidates cached pages (catalog/page_cache.py).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(BASE_DIR / "var" / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }
    # The embedded broker: messages are files in var/celery, shared by every process
    # on this machine, so `make run` has a real worker and beat without Redis.
    CELERY_QUEUE_DIR = Path(env.str("CELERY_QUEUE_DIR", default=str(BASE_DIR / "var" / "celery")))
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR),
        "data_folder_out": str(CELERY_QUEUE_DIR),
        "control_folder": str(CELERY_QUEUE_DIR / "control"),
    }
    (CELERY_QUEUE_DIR / "control").mkdir(parents=True, exist_ok=True)

CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Shanghai"
# Task modules autodiscovery does not find (it imports each app's `tasks`): packages
# inside an app.
CELERY_IMPORTS = ["catalog.promotions.tasks"]
# Beat keeps its schedule in the database (django-celery-beat), so staff see and change
# the periodic tasks in the admin; the entries below are installed there when beat starts.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    # The words misspellings are corrected to (catalog/search/words.py), recounted from
    # the products every night: words no product uses any more stop being suggested.
    "rebuild-search-words": {
        "task": "catalog.tasks.rebuild_search_words_task",
        "schedule": crontab(hour=3, minute=20),
    },
    # Expired sessions pile up in the database; sweep them every night at 04:10,
    # the quietest hour for a Chinese store.
    "clear-expired-sessions": {
        "task": "catalog.tasks.clear_expired_sessions_task",
        "schedule": crontab(hour=4, minute=10),
    },
    # Notifications whose hand-over to Celery was lost (Redis or a worker down), or
    # whose worker died holding them, are handed over again. Every 30 s, with claims of
    # NOTIFICATION_CLAIM_SECONDS (30 s): what a dead worker held goes out within a minute,
    # and the sweep is one indexed query.
    "resend-pending-notifications": {
        "task": "notifications.tasks.resend_pending_notifications_task",
        "schedule": 30,
    },
    # Promotions: note starts and ends, refresh cached pages, send "remind me" messages.
    # Prices never wait for it; running it late or twice does no harm.
    "sweep-promotions": {
        "task": "catalog.tasks.sweep_promotions_task",
        "schedule": 60,
    },
    # Livestreams go live and end at their scheduled times; reminders go out before.
    "sweep-streams": {
        "task": "livestream.tasks.sweep_streams_task",
        "schedule": 60,
    },
    # Payments: unpaid orders past their time closed (the gateway asked first), payments
    # whose notification is late asked of the gateway, refunds not finished sent again.
    "sweep-payments": {
        "task": "payments.tasks.sweep_payments_task",
        "schedule": 60,
    },
    # Delivery: receipt confirmed for parts shipped AUTO_CONFIRM_DAYS ago (fewer for fresh
    # goods) that the shopper did not confirm, and the shopper told a day before.
    "sweep-deliveries": {
        "task": "orders.tasks.sweep_deliveries_task",
        "schedule": 15 * 60,
    },
    # After-sales: act for whoever let a request's deadline pass.
    "sweep-aftersales": {
        "task": "aftersales.tasks.sweep_aftersales_task",
        "schedule": 15 * 60,
    },
    # The books checked every night at 03:40 (settlement/books.py): a difference is
    # logged as an error, for staff to read on the admin's Books check page.
    "check-books": {
        "task": "settlement.tasks.check_books_task",
        "schedule": crontab(hour=3, minute=40),
    },
    # Yesterday's payments and refunds against the gateways' bills, every morning at 10:30
    # (Alipay's and WeChat Pay's bills of a day are ready from about 9:00 the next day);
    # each mismatch is a warning in the "payments" log.
    "reconcile-payments": {
        "task": "payments.tasks.reconcile_yesterday_task",
        "schedule": crontab(hour=10, minute=30),
    },
    # Shops' storefront ratings cover the last 90 days: recomputed every night at 04:30
    # (after the sessions sweep), as the oldest reviews leave the window.
    "refresh-shop-ratings": {
        "task": "reviews.tasks.refresh_shop_ratings_task",
        "schedule": crontab(hour=4, minute=30),
    },
    # The impact board's rollups of today and yesterday, recomputed from the orders:
    # repairs any drift from the updates each order change makes.
    "rebuild-impact-rollups": {
        "task": "orders.tasks.rebuild_recent_impact_task",
        "schedule": 600,
    },
}

# Where the store is reached, for links in emails (sent by the worker, with no request).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
if not DEBUG and "SITE_URL" not in env:
    # Links in emails (a password reset above all) would point at this machine's loopback.
    raise ImproperlyConfigured(
        "SITE_URL must be set when DEBUG is off: the links in emails are made from it."
    )

# Where shoppers paying by bank transfer send the money (the order page and the order's
# email show it, with the order number as the reference). The defaults are a demo
# account that does not exist: refused when DEBUG is off.
# seed_demo's orders over the last two months (its --orders); the tests seed fewer.
DEMO_ORDERS = env.int("DEMO_ORDERS", default=1200)
DEMO_BANK_TRANSFER = {
    "BANK_TRANSFER_PAYEE": "湖北集市演示账户（DEMO，请勿转账）",
    "BANK_TRANSFER_BANK": "演示银行武汉分行（DEMO）",
    "BANK_TRANSFER_ACCOUNT": "6200000000000000000",
}
BANK_TRANSFER_PAYEE = env.str(
    "BANK_TRANSFER_PAYEE", default=DEMO_BANK_TRANSFER["BANK_TRANSFER_PAYEE"]
).strip()
BANK_TRANSFER_BANK = env.str(
    "BANK_TRANSFER_BANK", default=DEMO_BANK_TRANSFER["BANK_TRANSFER_BANK"]
).strip()
BANK_TRANSFER_ACCOUNT = env.str(
    "BANK_TRANSFER_ACCOUNT", default=DEMO_BANK_TRANSFER["BANK_TRANSFER_ACCOUNT"]
).strip()
if not DEBUG and any(
    value in ("", DEMO_BANK_TRANSFER[name])
    for name, value in (
        ("BANK_TRANSFER_PAYEE", BANK_TRANSFER_PAYEE),
        ("BANK_TRANSFER_BANK", BANK_TRANSFER_BANK),
        ("BANK_TRANSFER_ACCOUNT", BANK_TRANSFER_ACCOUNT),
    )
):
    raise ImproperlyConfigured(
        "BANK_TRANSFER_PAYEE, BANK_TRANSFER_BANK and BANK_TRANSFER_ACCOUNT must be set when "
        "DEBUG is off: shoppers would be told to pay into the demo account."
    )

# --- Payments (payments/, gateway_sandbox/; README "Payments") -------------------------
# An unpaid online order closes after this many minutes (its trade closed at the gateway,
# its stock back on sale); an unpaid bank transfer after this many hours.
PAYMENT_TIMEOUT_MINUTES = env.int("PAYMENT_TIMEOUT_MINUTES", default=30)
BANK_TRANSFER_TIMEOUT_HOURS = env.int("BANK_TRANSFER_TIMEOUT_HOURS", default=72)
# A payment started this many minutes ago whose notification has not come is asked of
# the gateway by a sweep (the notification may be lost, or late).
PAYMENT_PENDING_CHECK_MINUTES = env.int("PAYMENT_PENDING_CHECK_MINUTES", default=3)
# How long a call to a gateway may take, in seconds (connect, read).
PAYMENT_GATEWAY_TIMEOUT = (
    env.float("PAYMENT_GATEWAY_CONNECT_TIMEOUT", default=3.0),
    env.float("PAYMENT_GATEWAY_READ_TIMEOUT", default=10.0),
)
# The sandbox gateway: served by the store itself under /sandbox-gateway/, it speaks
# Alipay's and WeChat Pay's protocols with its own key pairs, generated on first use
# into PAYMENT_SANDBOX_DIR (never committed). On by default only in the embedded profile;
# a server with DEBUG off refuses it, since shoppers would "pay" without paying.
PAYMENT_SANDBOX = env.bool("PAYMENT_SANDBOX", default=DEBUG)
PAYMENT_SANDBOX_DIR = Path(
    env.str("PAYMENT_SANDBOX_DIR", default=str(BASE_DIR / "var" / "payment-sandbox"))
)
if PAYMENT_SANDBOX and not DEBUG and not env.bool("PAYMENT_SANDBOX_WITHOUT_DEBUG", False):
    raise ImproperlyConfigured(
        "PAYMENT_SANDBOX must be off when DEBUG is off: set the real gateways' keys instead "
        "(README, Payments)."
    )
if PAYMENT_SANDBOX:  # the sandbox gateway sends again the notifications the store missed
    CELERY_BEAT_SCHEDULE["sandbox-gateway-notices"] = {
        "task": "gateway_sandbox.tasks.deliver_due_notices_task",
        "schedule": 15,
    }

# Alipay (python-alipay-sdk, RSA2): the app's id and private key, Alipay's public key,
# all from the open platform's console; empty (and no sandbox): Alipay is not offered.
ALIPAY_APP_ID = env.str("ALIPAY_APP_ID", default="")
ALIPAY_APP_PRIVATE_KEY = env.str("ALIPAY_APP_PRIVATE_KEY", default="", multiline=True)
ALIPAY_PUBLIC_KEY = env.str("ALIPAY_PUBLIC_KEY", default="", multiline=True)
ALIPAY_GATEWAY_URL = env.str("ALIPAY_GATEWAY_URL", default="")  # "": the real one
# WeChat Pay API v3 (wechatpayv3, public-key mode): the merchant id, the app id, the
# merchant's API private key and its certificate's serial number, the API v3 key, and
# WeChat Pay's public key with its id (商户平台 → API安全 → 微信支付公钥).
WECHAT_PAY_MCHID = env.str("WECHAT_PAY_MCHID", default="")
WECHAT_PAY_APPID = env.str("WECHAT_PAY_APPID", default="")
WECHAT_PAY_PRIVATE_KEY = env.str("WECHAT_PAY_PRIVATE_KEY", default="", multiline=True)
WECHAT_PAY_CERT_SERIAL_NO = env.str("WECHAT_PAY_CERT_SERIAL_NO", default="")
WECHAT_PAY_APIV3_KEY = env.str("WECHAT_PAY_APIV3_KEY", default="")
WECHAT_PAY_PUBLIC_KEY = env.str("WECHAT_PAY_PUBLIC_KEY", default="", multiline=True)
WECHAT_PAY_PUBLIC_KEY_ID = env.str("WECHAT_PAY_PUBLIC_KEY_ID", default="")
WECHAT_PAY_GATEWAY_URL = env.str("WECHAT_PAY_GATEWAY_URL", default="")  # "": the real one

# Notifications: a worker claims each message just before sending it, for this long; a
# worker killed mid-send holds that one message until then, and another sends it after
# (a worker that starts asks for a delivery then; beat's sweep covers the rest). Longer
# than an SMTP exchange can take (EMAIL_TIMEOUT below), short enough that a crash delays
# one message by well under a minute. And how old a pending one must be for the sweep.
NOTIFICATION_CLAIM_SECONDS = env.int("NOTIFICATION_CLAIM_SECONDS", default=30)
NOTIFICATION_SWEEP_AFTER_SECONDS = env.int("NOTIFICATION_SWEEP_AFTER_SECONDS", default=30)
# A queued delivery task covers every commit until it starts; should it be lost, commits
# queue a new one after this many seconds (notifications/delivery.py). A message the mail
# server refused is tried again after 30 s, then twice as long each time, up to this.
NOTIFICATION_QUEUED_SECONDS = env.int("NOTIFICATION_QUEUED_SECONDS", default=10)
# A delivery task waits this long before it starts, gathering the messages of every order
# placed meanwhile into one batch (a busy moment costs the worker a few queries a batch).
NOTIFICATION_BATCH_SECONDS = env.float("NOTIFICATION_BATCH_SECONDS", default=0.5)
NOTIFICATION_RETRY_MAX_SECONDS = env.int("NOTIFICATION_RETRY_MAX_SECONDS", default=30 * 60)

# Catalog pages are cached for every shopper and stored with the catalog's revision, so a
# change in stock or price shows at once; the timeout bounds memory use.
CATALOG_PAGE_CACHE_SECONDS = env.int("CATALOG_PAGE_CACHE_SECONDS", default=300)
# False: no whole page is cached, each is rendered (the search benchmark measures that);
# the values pages are built from (taxonomy choices, landings) are still cached.
CATALOG_PAGES_CACHED = env.bool("CATALOG_PAGES_CACHED", default=True)
# A stale page is rendered by one request at a time; the others wait up to this long for
# it (catalog/page_cache.py), then render it themselves.
PAGE_RENDER_WAIT_SECONDS = env.float("PAGE_RENDER_WAIT_SECONDS", default=3.0)
# A search (best match) ranks at most this many of its matches, those whose names match
# first, and a shopper pages through at most that many (100 pages, as on Taobao and JD):
# its cost stays bounded whatever the catalog's size (catalog/search/query.py).
SEARCH_MAX_RANKED = env.int("SEARCH_MAX_RANKED", default=2400)
# How long a search's candidates (the ids it ranks) are kept at most, per query and
# filters (catalog/search/query.py): shoppers typing the same broad word share one read
# of the full-text index until a listing changes.
SEARCH_CANDIDATES_SECONDS = env.int("SEARCH_CANDIDATES_SECONDS", default=60)
# A listing (all products, a category, a county, a shop) counts at most this many: "More
# than 10,000 products" beyond, and its pages stop there (417 of 24), so no request
# counts or skips every product of a large catalog.
LISTING_MAX_COUNTED = env.int("LISTING_MAX_COUNTED", default=10_000)
# How long a listing's facet counts (catalog/facets.py) are kept: a count may lag a
# product changed within this many seconds, and pages rendered after a change need not
# count every match again.
FACET_COUNTS_SECONDS = env.int("FACET_COUNTS_SECONDS", default=60)
# Livestream counters with Redis: each web process gathers its viewers' heartbeats and
# reads the counters at most once per this many seconds (livestream/counters.py), so Redis
# works per process, not per viewer. 0: every poll goes to Redis.
STREAM_COUNTER_BATCH_SECONDS = env.float("STREAM_COUNTER_BATCH_SECONDS", default=1.0)
# A viewer counts only with the signed id a stream page gives; one client address gets at
# most this many new ids per minute (livestream/viewers.py). Generous, because whole
# campuses and mobile carriers share one address.
STREAM_NEW_VIEWERS_PER_MINUTE = env.int("STREAM_NEW_VIEWERS_PER_MINUTE", default=30)
# The impact board is computed from the daily rollups at most once per this many seconds.
IMPACT_CACHE_SECONDS = env.int("IMPACT_CACHE_SECONDS", default=60)

# --- Auth -------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # Counts failed sign-ins (the shop's and the admin's) and refuses them past the limit.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, the signed-in user read from the cache (core/auth_backends.py).
    "core.auth_backends.CachedModelBackend",
]
# False: each request reads its signed-in user from the database, as Django does.
AUTH_USERS_CACHED = env.bool("AUTH_USERS_CACHED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# And one address, whatever the usernames it tries (password spraying): past this many
# failures within the cool-off, its sign-ins pause too (orders/sign_in_limits.py). Higher
# than the per-account limit, as many shoppers can share one address (a campus, a
# carrier's NAT).
AXES_IP_FAILURE_LIMIT = env.int("AXES_IP_FAILURE_LIMIT", default=20)
AXES_HANDLER = "orders.sign_in_limits.SignInLimitsHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Who a client is, for the sign-in limits and the stream's viewer budget: REMOTE_ADDR, or
# behind BEHIND_TLS_PROXY the address the nearest of TRUSTED_PROXY_COUNT proxies appended
# to X-Forwarded-For (orders/sign_in_limits.py). Without it every shopper would share the
# proxy's address, and 20 failed sign-ins anywhere would pause the whole store.
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
TRUSTED_PROXY_COUNT = env.int(
    "TRUSTED_PROXY_COUNT", default=env.int("AXES_PROXY_COUNT", default=int(BEHIND_TLS_PROXY))
)
AXES_CLIENT_IP_CALLABLE = "orders.sign_in_limits.client_address"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "orders:history"
LOGOUT_REDIRECT_URL = "catalog:home"

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# The inbox's breadcrumb (notifications knows no app above it): the shopper's orders.
INBOX_BACK_LINK = ("orders:history", gettext_lazy("My orders"))
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
# The language switch's cookie: sent on same-site navigation only, never read by scripts
# (nothing in static/ reads it); Secure in production, below.
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
USE_I18N = True
USE_TZ = True

# --- Static and media files -----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploads: a photo is refused above this size before Pillow opens it.
PRODUCT_PHOTO_MAX_BYTES = 10 * 1024 * 1024
PRODUCT_PHOTO_MAX_PIXELS = 40_000_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Email ------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
if env.str("EMAIL_BACKEND", default=""):  # a backend class of your own, overriding EMAIL_URL's
    EMAIL_BACKEND = env.str("EMAIL_BACKEND")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Hubei Market <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Seconds an SMTP connection waits on the mail server before giving up. Shorter than a
# notification's claim, so a hung server fails the message (it waits for its retry)
# rather than let another worker take it over and send it a second time.
# It bounds each exchange with the server, and sending one message takes up to four (MAIL,
# RCPT, DATA, the message), so four of them must fit in the claim with time to spare.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=5)
SMTP_EXCHANGES_PER_MESSAGE = 4
if SMTP_EXCHANGES_PER_MESSAGE * EMAIL_TIMEOUT >= NOTIFICATION_CLAIM_SECONDS:
    raise ImproperlyConfigured(
        "EMAIL_TIMEOUT must be shorter than a quarter of NOTIFICATION_CLAIM_SECONDS: one "
        "message takes up to four exchanges with the mail server."
    )

# --- Security (production) --------------------------------------------------------------
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    LANGUAGE_COOKIE_SECURE = env.bool("LANGUAGE_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    if BEHIND_TLS_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


# --- Content-Security-Policy and Permissions-Policy (every profile) --------------------
# One policy per path, no nonces: cached catalog pages are served whole to everyone
# (hubei_market/security_headers.py). Scripts and styles are the site's own static files;
# htmx is told not to inject its indicator styles nor to evaluate code (base.html).
def _origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


# Static files or media on another host (a CDN, object storage) are allowed from there.
_STATIC_ORIGINS = [origin for origin in (_origin(STATIC_URL),) if origin]
_MEDIA_ORIGINS = [origin for origin in (_origin(MEDIA_URL),) if origin]
# Livestreams are embeds or HLS addresses of any streaming service staff enter (an
# URLField: livestream/models.py), so any https host by default; list the services'
# origins to narrow it ("https://player.example.cn,https://hls.example.cn").
CSP_STREAM_SOURCES = env.list("CSP_STREAM_SOURCES", default=["https:"])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", *_STATIC_ORIGINS],
        "style-src": ["'self'", *_STATIC_ORIGINS],
        "img-src": ["'self'", *_STATIC_ORIGINS, *_MEDIA_ORIGINS],
        "font-src": ["'self'", *_STATIC_ORIGINS],
        "connect-src": ["'self'"],
        "media-src": ["'self'", *_MEDIA_ORIGINS, *CSP_STREAM_SOURCES],
        "frame-src": ["'self'", *CSP_STREAM_SOURCES],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Django's admin templates (change_list.html) and ours (the season calendar) style inline;
# its scripts are files, so scripts stay as strict there as everywhere.
CONTENT_SECURITY_POLICY_PATH_UPDATES = {"/admin/": {"style-src": ["'unsafe-inline'"]}}
# Powerful features no page of the store uses, off for the pages and whatever they embed.
# Autoplay and fullscreen are left to their defaults: the stream player's iframe needs them.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}

# --- Logging ----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Delivery (orders/shipping): receipt is confirmed for the shopper this many days after a
# part ships, unless they confirm it first (a category's own days, for fresh goods, when
# fewer); they are told a day before.
AUTO_CONFIRM_DAYS = env.int("AUTO_CONFIRM_DAYS", default=10)
# After-sales (aftersales/): how long after receipt a shopper may ask (a category may say
# fewer: fresh produce 48 hours), how long the shop has to answer (then the request is
# approved), the shopper to answer an offer or a refusal (then the offer is accepted, the
# refusal stands), to send a return back (then it closes), and the shop to confirm the
# goods came back (then they are taken as received); staff's target for an escalation.
AFTERSALES_WINDOW_HOURS = env.int("AFTERSALES_WINDOW_HOURS", default=7 * 24)
AFTERSALES_REPLY_HOURS = env.int("AFTERSALES_REPLY_HOURS", default=48)
AFTERSALES_SHOPPER_HOURS = env.int("AFTERSALES_SHOPPER_HOURS", default=72)
AFTERSALES_RETURN_DAYS = env.int("AFTERSALES_RETURN_DAYS", default=7)
AFTERSALES_RECEIVE_DAYS = env.int("AFTERSALES_RECEIVE_DAYS", default=10)
AFTERSALES_ARBITRATION_HOURS = env.int("AFTERSALES_ARBITRATION_HOURS", default=48)
# Settlement (settlement/): a part's money becomes available to its shop this many days
# after the shopper confirms receipt, and a payout run pays shops whose available money
# reaches the minimum (staff may ask for another minimum per run).
SETTLEMENT_DELAY_DAYS = env.int("SETTLEMENT_DELAY_DAYS", default=7)
SETTLEMENT_PAYOUT_MINIMUM = env.str("SETTLEMENT_PAYOUT_MINIMUM", default="100.00")
# Where the product page, the cart and the checkout read a province picked by a shopper
# without an address (a cookie, so cached pages stay the same for everyone).
SHIP_TO_COOKIE = "ship_to"

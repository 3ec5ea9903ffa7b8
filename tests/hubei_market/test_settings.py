"""The production profile is safe, and refuses to start without a secret."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-production-secret-that-is-long-and-random-4f9c2e7b1d8a6f3e0c5b",
    "ALLOWED_HOSTS": "hubei.example.cn",
    "SITE_URL": "https://hubei.example.cn",
    "DATABASE_URL": "postgres://store@127.0.0.1:5432/store",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "BANK_TRANSFER_PAYEE": "湖北集市电子商务有限公司",
    "BANK_TRANSFER_BANK": "中国银行武汉江汉支行",
    "BANK_TRANSFER_ACCOUNT": "5720 1234 5678 9012",
}


IGNORED_ENV = (
    "DATABASE_URL",
    "REDIS_URL",
    "DEBUG",
    "SECRET_KEY",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DATABASE_PREPARE_THRESHOLD",
)


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in IGNORED_ENV}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_reports_nothing_under_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_the_store_s_address_for_links_in_emails():
    env = {k: v for k, v in PRODUCTION.items() if k != "SITE_URL"}

    result = manage("check", **env)

    assert result.returncode != 0
    assert "SITE_URL must be set when DEBUG is off" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}

    result = manage("check", **env)

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_production_refuses_to_tell_shoppers_to_pay_into_the_demo_bank_account():
    env = {k: v for k, v in PRODUCTION.items() if k != "BANK_TRANSFER_ACCOUNT"}

    result = manage("check", **env)

    assert result.returncode != 0
    assert "BANK_TRANSFER_ACCOUNT must be set when DEBUG is off" in result.stderr


def test_embedded_default_needs_no_services():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], "
        "s.CACHES['default']['BACKEND'], s.CELERY_BROKER_URL)",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "django.db.backends.sqlite3",
        "django.core.cache.backends.filebased.FileBasedCache",
        "filesystem://",
    ]


def test_a_server_given_a_real_database_is_not_in_debug_mode_by_accident():
    result = manage("check", DATABASE_URL=PRODUCTION["DATABASE_URL"])

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def _prepare_threshold(**env):
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; o = s.DATABASES['default']['OPTIONS']; "
        "print(o['server_side_binding'], o['prepare_threshold'])",
        **PRODUCTION,
        **env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()[-1]


def test_postgresql_keeps_the_plans_of_repeated_statements_unless_told_not_to():
    assert _prepare_threshold() == "True 5"
    # Behind a PgBouncer in transaction mode: no prepared statements at all.
    assert _prepare_threshold(DATABASE_PREPARE_THRESHOLD="off") == "True None"
    assert _prepare_threshold(DATABASE_PREPARE_THRESHOLD="OFF") == "True None"
    assert _prepare_threshold(DATABASE_PREPARE_THRESHOLD="2") == "True 2"


SET_LANGUAGE = (
    "from django.test import Client; "
    "r = Client(HTTP_HOST='hubei.example.cn').post('/i18n/setlang/', "
    "{'language': 'en', 'next': '/'}, secure=True); "
    "print(r.status_code); print(r.cookies['django_language'].output())"
)


def test_the_language_cookie_is_secure_same_site_and_hidden_from_scripts_in_production():
    result = manage("shell", "-c", SET_LANGUAGE, **PRODUCTION)

    assert result.returncode == 0, result.stderr
    status, cookie = result.stdout.splitlines()[-2:]
    assert status == "302"
    attributes = [part.strip() for part in cookie.split(";")]
    assert attributes[0] == "Set-Cookie: django_language=en"
    assert sorted(attributes[1:]) == ["HttpOnly", "Path=/", "SameSite=Lax", "Secure"]

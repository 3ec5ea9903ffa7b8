"""A shopper's browser over plain HTTP, and the environment of a store served by gunicorn
on the production profile (tests.support.processes starts it). PostgreSQL only, like
every subprocess test.

    env = production_env(tmp_path / "static", redis_url=redis.url)
    server = start_gunicorn(env, tmp_path / "gunicorn.log", workers=2)
    shopper = Browser(server.url)
    shopper.sign_in("fan")                     # over HTTP, the production hashers
    shopper.use_session(user)                  # or a session made here, no password check
"""

import http.cookiejar
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.support.processes import ROOT, service_env

SECRET_KEY = "a-production-secret-for-the-http-tests-5c0b9e1d7a3f8e2c6b4d0a9f7e"
PASSWORD = "a-shopper-password"


def production_env(static_root, *, redis_url, smtp=None, collect=True, **extra):
    """The store's environment on the production profile (DEBUG off, SECRET_KEY, plain
    HTTP on 127.0.0.1), its static files collected into `static_root` (skip with
    `collect=False` when a previous call collected them there). `extra` as service_env's.
    A session made in this process is read by the server only if this process signs with
    the same key: set `settings.SECRET_KEY = SECRET_KEY` first (see Browser.use_session)."""
    env = service_env(
        redis_url=redis_url,
        smtp=smtp,
        DEBUG="0",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL="http://127.0.0.1",
        STATIC_ROOT=static_root,
        # Plain HTTP on 127.0.0.1: no redirect to HTTPS, cookies sent without TLS.
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        **{
            "BANK_TRANSFER_PAYEE": "湖北集市电子商务有限公司",
            "BANK_TRANSFER_BANK": "中国银行武汉江汉支行",
            "BANK_TRANSFER_ACCOUNT": "5720 1234 5678 9012",
            **extra,
        },
    )
    if collect:
        done = subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode:
            raise RuntimeError(f"collectstatic failed:\n{done.stderr[-4000:]}")
    return env


class Browser:
    """A shopper's browser over HTTP: cookies kept, redirects not followed (their
    status and Location are what we check), every answer's status recorded. Safe to
    share between threads once signed in (each request is its own connection)."""

    def __init__(self, base, *, language="en"):
        self.base, self.language = base, language
        self.statuses = []
        self.cookies = http.cookiejar.CookieJar()

        class NoRedirects(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirects()
        )

    def request(self, path, data=None, *, timeout=30):
        """(status, headers, body) of a GET, or of a POST of `data`. Connection errors
        (a server that died mid-answer) are raised."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Accept-Language": self.language}
        )
        try:
            with self.opener.open(request, timeout=timeout) as response:
                answer = (response.status, response.headers, response.read().decode())
        except urllib.error.HTTPError as error:
            answer = (error.code, error.headers, error.read().decode(errors="replace"))
        self.statuses.append((path, answer[0]))
        return answer

    def csrf(self):
        return next(c.value for c in self.cookies if c.name == "csrftoken")

    def sign_in(self, username, password=PASSWORD):
        self.request(reverse("login"))
        return self.request(
            reverse("login"),
            {"username": username, "password": password, "csrfmiddlewaretoken": self.csrf()},
        )

    def use_session(self, user):
        """Signed in as `user` through a session made in this process (saved in the
        test database, which the server reads): no password hashed, so many shoppers
        sign in fast. The server must sign with this process's SECRET_KEY."""
        client = Client()
        client.force_login(user)
        self._set_cookie(
            settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
        )

    def _set_cookie(self, name, value):
        host = urllib.parse.urlsplit(self.base).hostname
        self.cookies.set_cookie(
            http.cookiejar.Cookie(
                version=0,
                name=name,
                value=value,
                port=None,
                port_specified=False,
                domain=host,
                domain_specified=False,
                domain_initial_dot=False,
                path="/",
                path_specified=True,
                secure=False,
                expires=None,
                discard=True,
                comment=None,
                comment_url=None,
                rest={},
            )
        )

    def check_out(self, product):
        self.request(
            reverse("orders:cart_add", args=[product.pk]),
            {"quantity": 1, "csrfmiddlewaretoken": self.csrf()},
        )
        page = self.request(reverse("orders:checkout"))
        if page[0] != 200:
            return page
        html = page[2]
        return self.request(
            reverse("orders:checkout"),
            {
                "address": re.search(r'name="address" value="(\d+)"', html)[1],
                "payment_method": "cod",
                "idempotency_key": re.search(r'name="idempotency_key" value="([0-9a-f]+)"', html)[
                    1
                ],
                "csrfmiddlewaretoken": self.csrf(),
            },
        )

    def browse(self, product):
        paths = [
            reverse("catalog:home"),
            reverse("catalog:product_list"),
            reverse("catalog:product", args=[product.slug]),
            reverse("orders:impact"),
        ]
        return {path: self.request(path)[0] for path in paths}

"""Control characters stop at the door.

A NUL byte reaches PostgreSQL as an error (a text value cannot hold one), so a `%00` in a
search, a path or a cookie was an HTTP 500; the other control characters are never what
a person meant to send. Before any other middleware reads the request:

- a path holding one is not a page of the store: 404 (before any view reads it);
- in the query string they become spaces (a search for `orange%00` is one for `orange`);
- a cookie holding one is dropped, as if the browser had not sent it (a broken `sessionid`
  is a fresh session, not a 500 on every page), and the answer tells the browser to
  forget it;
- in a header (User-Agent, Accept-Language, Referer… which sign-in records store) they
  become spaces.

Form fields are left to the forms, which answer with an error the person can read:
Django's CharField refuses NUL (the store's translation says so plainly) and the vendor's
text fields refuse every control character (catalog/validators.py).
"""

import re

from django.conf import settings
from django.http import Http404, QueryDict

# C0 controls (tab, newline and CR included: a path, a query string or a cookie has no
# use for them), DEL, and C1 controls. C1 is checked only in text Django has decoded as
# UTF-8: header values are still raw bytes read as Latin-1, where \x80-\x9f are parts
# of ordinary UTF-8 characters.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
RAW_HEADER_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def has_control_characters(text):
    return CONTROL.search(text) is not None


def controls_as_spaces(text):
    return CONTROL.sub(" ", text)


class ControlCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        self._clean_query(request)
        dropped = self._clean_cookies(request)
        self._clean_headers(request)
        response = self.get_response(request)
        for name in dropped:
            if name not in response.cookies:
                path, domain = _cookie_scope(name)
                response.delete_cookie(name, path=path, domain=domain)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Here rather than above, so the 404 page speaks the shopper's language; nothing
        # before a view reads the path from the database.
        if has_control_characters(request.path_info):
            raise Http404

    @staticmethod
    def _clean_query(request):
        if not any(
            has_control_characters(key) or any(map(has_control_characters, values))
            for key, values in request.GET.lists()
        ):
            return
        query = QueryDict(mutable=True)
        for key, values in request.GET.lists():
            query.setlist(controls_as_spaces(key), [controls_as_spaces(v) for v in values])
        query._mutable = False
        request.GET = query
        request.META["QUERY_STRING"] = query.urlencode()

    @staticmethod
    def _clean_cookies(request):
        """Drop the cookies holding a control character; the names it can tell the
        browser to forget (a name with one cannot be written in a Set-Cookie)."""
        bad = [
            name
            for name, value in request.COOKIES.items()
            if has_control_characters(name) or has_control_characters(value)
        ]
        if not bad:
            return []
        request.COOKIES = {
            name: value for name, value in request.COOKIES.items() if name not in bad
        }
        return [name for name in bad if not has_control_characters(name) and name.strip()]

    @staticmethod
    def _clean_headers(request):
        # HTTP_COOKIE stays as sent: it is read above, through request.COOKIES.
        for key, value in list(request.META.items()):
            if (
                key.startswith("HTTP_")
                and key != "HTTP_COOKIE"
                and isinstance(value, str)
                and RAW_HEADER_CONTROL.search(value)
            ):
                request.META[key] = RAW_HEADER_CONTROL.sub(" ", value)


def _cookie_scope(name):
    """The path and domain the store sets a cookie with, so deleting it reaches it."""
    scopes = {
        settings.SESSION_COOKIE_NAME: (
            settings.SESSION_COOKIE_PATH,
            settings.SESSION_COOKIE_DOMAIN,
        ),
        settings.CSRF_COOKIE_NAME: (settings.CSRF_COOKIE_PATH, settings.CSRF_COOKIE_DOMAIN),
        settings.LANGUAGE_COOKIE_NAME: (
            settings.LANGUAGE_COOKIE_PATH,
            settings.LANGUAGE_COOKIE_DOMAIN,
        ),
    }
    return scopes.get(name, ("/", None))

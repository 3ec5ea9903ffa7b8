"""The language each person reads the store in.

It is remembered per account (LanguagePreference): the language of the page they signed
up on, then the one they last chose with the language switch. Their messages (email and
inbox) are written in it whoever set them off, and signing in on another device sets
the language cookie from it. An account without one reads settings.LANGUAGE_CODE.
"""

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpResponseBase
from django.utils.translation import check_for_language

from notifications.models import LanguagePreference


def supported_language(language: str | None) -> str | None:
    """`language` if the store speaks it (one of settings.LANGUAGES), else None."""
    codes = {code for code, _name in settings.LANGUAGES}
    if language in codes and check_for_language(language):
        return language
    return None


def language_of(user: AbstractBaseUser) -> str:
    """The language `user` reads; uses `language_preference` when select_related."""
    try:
        return user.language_preference.language
    except ObjectDoesNotExist:
        return settings.LANGUAGE_CODE


def remember_language(user: AbstractBaseUser | AnonymousUser, language: str | None) -> None:
    """Keep `language` as the language of `user` (an unsupported one is ignored)."""
    language = supported_language(language)
    if language is None or not user.is_authenticated:
        return
    LanguagePreference.objects.update_or_create(user=user, defaults={"language": language})


def stored_language(user: AbstractBaseUser) -> str | None:
    """The language `user` chose, or None if they never did (one query)."""
    return LanguagePreference.objects.filter(user=user).values_list("language", flat=True).first()


def set_language_cookie(response: HttpResponseBase, language: str) -> None:
    """The cookie Django's set_language view sets, so LocaleMiddleware reads `language`."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )

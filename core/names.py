"""Bilingual names: each reader sees the text in the language they read the store in."""

from django.conf import settings
from django.utils.translation import get_language


def in_shoppers_language(chinese: str, english: str) -> str:
    """The Chinese text for a reader of Chinese; else the English one, if there is one."""
    if (get_language() or "").startswith("zh"):
        return chinese
    return english or chinese


class BilingualNameMixin:
    """Taxonomy rows carry an English and a Chinese name; show the one the shopper reads."""

    @property
    def name(self) -> str:
        language = get_language() or settings.LANGUAGE_CODE
        if language.startswith("zh"):
            return self.name_zh or self.name_en
        return self.name_en or self.name_zh

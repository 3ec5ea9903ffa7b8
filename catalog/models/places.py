"""Hubei's prefecture-level divisions and their counties (rows from the reference migration)."""

from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.names import BilingualNameMixin


class Prefecture(BilingualNameMixin, models.Model):
    class Kind(models.TextChoices):
        CITY = "city", _("prefecture-level city")
        AUTONOMOUS = "autonomous", _("autonomous prefecture")
        DIRECT = "direct", _("directly administered county-level unit")

    name_en = models.CharField(_("English name"), max_length=80)
    name_zh = models.CharField(_("Chinese name"), max_length=40)
    slug = models.SlugField(_("slug"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.CITY)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("prefecture")
        verbose_name_plural = _("prefectures")

    def __str__(self):
        return f"{self.name_en} {self.name_zh}"


class County(BilingualNameMixin, models.Model):
    prefecture = models.ForeignKey(
        Prefecture, on_delete=models.PROTECT, related_name="counties", verbose_name=_("prefecture")
    )
    name_en = models.CharField(_("English name"), max_length=80)
    name_zh = models.CharField(_("Chinese name"), max_length=40)
    slug = models.SlugField(_("slug"), unique=True)
    known_for_en = models.CharField(_("known for (English)"), max_length=200, blank=True)
    known_for_zh = models.CharField(_("known for (Chinese)"), max_length=100, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["prefecture__position", "slug"]
        verbose_name = _("county")
        verbose_name_plural = _("counties")

    def __str__(self):
        return f"{self.name_en} {self.name_zh}"

    def get_absolute_url(self):
        return reverse("catalog:county", args=[self.slug])

    @property
    def known_for(self):
        if (get_language() or "").startswith("zh"):
            return self.known_for_zh or self.known_for_en
        return self.known_for_en or self.known_for_zh

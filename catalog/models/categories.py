"""The zone's categories, in a tree."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.names import BilingualNameMixin


class Category(BilingualNameMixin, models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name_en = models.CharField(_("English name"), max_length=80)
    name_zh = models.CharField(_("Chinese name"), max_length=40)
    # Null for a top-level category.
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # Fresh goods (crayfish, fruit) are confirmed received sooner than AUTO_CONFIRM_DAYS
    # after shipment; empty: the parent category's days, else AUTO_CONFIRM_DAYS.
    auto_confirm_days = models.PositiveSmallIntegerField(
        _("days to confirm receipt"),
        null=True,
        blank=True,
        help_text=_(
            "Days after shipment before receipt is confirmed for the shopper. Empty: the "
            "parent category's, else the store's default."
        ),
    )
    # Fresh produce is exempt from the seven-day no-reason return: a shopper reports
    # spoiled crayfish or broken eggs within 48 hours of receipt, other goods within 7
    # days (aftersales/windows.py); empty: the parent's, else AFTERSALES_WINDOW_HOURS.
    aftersales_hours = models.PositiveSmallIntegerField(
        _("hours for after-sales after receipt"),
        null=True,
        blank=True,
        help_text=_(
            "How long after receipt a shopper may ask for a refund or a return (fresh "
            "produce: 48). Empty: the parent category's, else the store's default."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return f"{self.name_en} {self.name_zh}"

    def get_absolute_url(self):
        return reverse("catalog:category", args=[self.slug])

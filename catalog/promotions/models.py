"""Promotions staff schedule: a discount on a scope of products for a window of time.

Imported by catalog/models.py, so they belong to the catalog app; they name the catalog's
models as "catalog.<Model>", so this module imports nothing from it. The price a shopper
pays is computed in catalog/promotions/pricing.py; this module only holds the data and
the rules that belong to one row.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.names import in_shoppers_language
from notifications.models import Reminder

CENT = Decimal("0.01")


class Promotion(models.Model):
    class Kind(models.TextChoices):
        PERCENT_OFF = "percent_off", _("percentage off")
        AMOUNT_OFF = "amount_off", _("amount off")
        SPECIAL_PRICE = "special_price", _("special price")

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        RUNNING = "running", _("running")
        ENDED = "ended", _("ended")

    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=160, blank=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("English description"), blank=True)
    banner = models.ImageField(_("banner"), upload_to="promotions/", max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    value = models.DecimalField(
        _("value"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(CENT)],
        help_text=_(
            "Percent for a percentage off (1–99); yuan for an amount off or a special price."
        ),
    )
    products = models.ManyToManyField(
        "catalog.Product", blank=True, related_name="promotions", verbose_name=_("products")
    )
    categories = models.ManyToManyField(
        "catalog.Category", blank=True, related_name="promotions", verbose_name=_("categories")
    )
    vendors = models.ManyToManyField(
        "catalog.Vendor", blank=True, related_name="promotions", verbose_name=_("vendors")
    )
    counties = models.ManyToManyField(
        "catalog.County", blank=True, related_name="promotions", verbose_name=_("origin counties")
    )
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"), db_index=True)
    units_cap = models.PositiveIntegerField(
        _("units cap"),
        null=True,
        blank=True,
        help_text=_("A flash sale: the discount stops when this many units are sold."),
    )
    units_sold = models.PositiveIntegerField(_("discounted units sold"), default=0, editable=False)
    per_shopper_limit = models.PositiveSmallIntegerField(
        _("limit per shopper"),
        null=True,
        blank=True,
        help_text=_("Discounted units one shopper may buy, over all their orders."),
    )
    # Written by the sweep (catalog/promotions/tasks.py) when it sees the start and the end pass;
    # prices never wait for it (they compare the times themselves).
    start_noted_at = models.DateTimeField(
        _("start noted at"), null=True, blank=True, editable=False
    )
    end_noted_at = models.DateTimeField(_("end noted at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="promotion_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(units_cap__isnull=True)
                | models.Q(units_sold__lte=models.F("units_cap")),
                name="promotion_units_within_cap",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("catalog:promotion", args=[self.slug])

    @property
    def display_name(self):
        return in_shoppers_language(self.name, self.name_en)

    @property
    def display_description(self):
        return in_shoppers_language(self.description, self.description_en)

    @property
    def sold_out(self):
        """A flash sale whose cap is reached: its discount no longer applies."""
        return self.units_cap is not None and self.units_sold >= self.units_cap

    def state_at(self, at=None):
        at = at or timezone.now()
        if at < self.starts_at:
            return self.State.SCHEDULED
        if at < self.ends_at:
            return self.State.RUNNING
        return self.State.ENDED

    def clean(self):
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The end must be after the start.")
        if (
            self.kind == self.Kind.PERCENT_OFF
            and self.value is not None
            and not (1 <= self.value <= 99 and self.value == self.value.to_integral_value())
        ):
            errors["value"] = _("A percentage off is a whole number from 1 to 99.")
        if self.units_cap is not None and self.units_cap < 1:
            errors["units_cap"] = _("A cap is at least 1 unit; leave it empty for none.")
        if errors:
            raise ValidationError(errors)


def unit_discount(kind, value, price):
    """How much less than `price` one unit costs under a promotion. An amount off as
    large as the price, or a special price not below it, does not apply (0): a
    promotion never gives a product away."""
    if kind == Promotion.Kind.PERCENT_OFF:
        discount = (price * value / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    else:  # amount off, or a special price: what is left must still cost something
        discount = value if kind == Promotion.Kind.AMOUNT_OFF else price - value
        if discount >= price:
            return Decimal("0")
    return max(Decimal("0"), discount)


class PromotionReminder(Reminder):
    """A shopper asked to be told when a promotion starts; the sweep tells them once."""

    promotion = models.ForeignKey(
        Promotion, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("promotion")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="promotion_reminders",
        verbose_name=_("shopper"),
    )

    class Meta:
        verbose_name = _("promotion reminder")
        verbose_name_plural = _("promotion reminders")
        constraints = [
            models.UniqueConstraint(fields=["promotion", "user"], name="promotion_reminder_once")
        ]

    def __str__(self):
        return f"{self.promotion} → {self.user}"


class PromotionAllowance(models.Model):
    """The discounted units a shopper has bought under a promotion with a per-shopper
    limit, counted like a flash sale's units (catalog/promotions/checkout.py): taken by a
    conditional UPDATE at checkout, so it never passes the limit, and given back when an
    order is cancelled."""

    promotion = models.ForeignKey(
        Promotion, on_delete=models.CASCADE, related_name="allowances", verbose_name=_("promotion")
    )
    shopper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="promotion_allowances",
        verbose_name=_("shopper"),
    )
    units_used = models.PositiveIntegerField(_("discounted units bought"), default=0)

    class Meta:
        ordering = ["promotion", "shopper"]
        verbose_name = _("promotion allowance")
        verbose_name_plural = _("promotion allowances")
        constraints = [
            models.UniqueConstraint(
                fields=["promotion", "shopper"], name="promotion_allowance_once"
            ),
            models.CheckConstraint(
                condition=models.Q(units_used__gte=0), name="promotion_allowance_used_gte_0"
            ),
        ]

    def __str__(self):
        return f"{self.promotion} → {self.shopper}: {self.units_used}"

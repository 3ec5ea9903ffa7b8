"""Freight templates (运费模板): what a shop charges to send a parcel to each group of
provinces. A shop has at most one default template; a product may use another
(ProductFreight). A shop with no template ships free everywhere it delivers (the store's
behaviour before templates)."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.models import Product, Vendor
from orders.shipping.provinces import Group

# The most a rate charges for its first weight or for each further kilogram or item.
MAX_RATE_FEE = Decimal("9999.99")


class FreightTemplate(models.Model):
    class Basis(models.TextChoices):
        WEIGHT = "weight", _("by weight")
        ITEM = "item", _("by item")

    vendor = models.ForeignKey(
        Vendor,
        on_delete=models.CASCADE,
        related_name="freight_templates",
        verbose_name=_("vendor"),
    )
    name = models.CharField(_("name"), max_length=60)
    basis = models.CharField(
        _("charged"), max_length=8, choices=Basis.choices, default=Basis.WEIGHT
    )
    # Parcels under this template travel chilled (live crayfish, fresh eggs): its rates are
    # the cold chain's, and the provinces it reaches are the groups it has a rate for,
    # less `not_served`.
    cold_chain = models.BooleanField(_("cold chain"), default=False)
    # Province names (orders/regions.py) not delivered to, whatever their group's rate.
    not_served = models.JSONField(_("provinces not served"), default=list, blank=True)
    is_default = models.BooleanField(_("shop's default"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["vendor", "-is_default", "name", "id"]
        verbose_name = _("freight template")
        verbose_name_plural = _("freight templates")
        constraints = [
            models.UniqueConstraint(
                fields=["vendor"],
                condition=models.Q(is_default=True),
                name="freight_template_one_default_per_vendor",
            ),
            models.UniqueConstraint(
                fields=["vendor", "name"], name="freight_template_name_unique_per_vendor"
            ),
        ]

    def __str__(self):
        return f"{self.vendor} / {self.name}"


class FreightRate(models.Model):
    """A template's price to one group of provinces. No rate for a group: the template
    does not deliver there."""

    template = models.ForeignKey(FreightTemplate, on_delete=models.CASCADE, related_name="rates")
    group = models.CharField(_("destination"), max_length=12, choices=Group.choices)
    # By weight: the first `first_units` grams cost `first_fee`, each further kilogram
    # begun costs `extra_fee`. By item: the first `first_units` items, then each further one.
    first_units = models.PositiveIntegerField(
        _("first weight (g) or items"), validators=[MinValueValidator(1)]
    )
    first_fee = models.DecimalField(
        _("first fee (CNY)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_RATE_FEE)],
    )
    extra_fee = models.DecimalField(
        _("each further kg or item (CNY)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_RATE_FEE)],
    )
    # Free shipping (包邮): a parcel whose goods cost at least `free_over`, or that weighs
    # at most `free_under_g`. Empty: no such threshold.
    free_over = models.DecimalField(
        _("free shipping from (CNY)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    free_under_g = models.PositiveIntegerField(
        _("free shipping up to (g)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )

    class Meta:
        ordering = ["template", "id"]
        verbose_name = _("freight rate")
        verbose_name_plural = _("freight rates")
        constraints = [
            models.UniqueConstraint(
                fields=["template", "group"], name="freight_rate_one_per_group"
            ),
            models.CheckConstraint(
                condition=models.Q(first_fee__gte=0, extra_fee__gte=0),
                name="freight_rate_fees_gte_0",
            ),
            models.CheckConstraint(
                condition=models.Q(first_units__gte=1), name="freight_rate_first_units_gte_1"
            ),
        ]

    def __str__(self):
        return f"{self.template} → {self.get_group_display()}"

    @property
    def charges_nothing(self) -> bool:
        return not self.first_fee and not self.extra_fee


class ProductFreight(models.Model):
    """A product sent under another template of its shop than the default."""

    product = models.OneToOneField(
        Product, on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    template = models.ForeignKey(
        FreightTemplate, on_delete=models.CASCADE, related_name="product_links"
    )

    class Meta:
        verbose_name = _("product's freight template")
        verbose_name_plural = _("products' freight templates")

    def __str__(self):
        return f"{self.product_id} → {self.template}"

"""The impact board's data: pledges (targets) and daily sales rollups.

A sale counts from the moment its order is confirmed (cash on delivery at once, a bank
transfer when staff confirm the payment) until it is cancelled; it belongs to the
Shanghai day its order was placed. DailySales keeps, per day, one row for the whole
store and one per category, county of origin and vendor that sold that day, so the board
reads a few hundred rows a season whatever the number of orders (orders/impact.py).
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.names import in_shoppers_language


class Dimension(models.TextChoices):
    ALL = "all", _("the whole store")
    CATEGORY = "category", _("a category")
    COUNTY = "county", _("a county")
    VENDOR = "vendor", _("a vendor")


class DailySales(models.Model):
    """What was sold on one day, for the store (`key` 0) or one category, county or vendor
    (`key` is its id). Kept by orders/impact.py: added to when an order is confirmed,
    taken from when it (or one vendor's part) is cancelled, rebuilt from the order lines
    by a periodic task. Money is kept in fen so that adding in SQL is exact on SQLite too.
    """

    day = models.DateField(_("day"))
    dimension = models.CharField(
        pgettext_lazy("sales dimension", "by"), max_length=8, choices=Dimension.choices
    )
    key = models.PositiveBigIntegerField(_("id"))
    orders = models.BigIntegerField(_("transactions"), default=0)
    units = models.BigIntegerField(_("units"), default=0)
    weight_g = models.BigIntegerField(_("weight (g)"), default=0)
    revenue_fen = models.BigIntegerField(_("revenue (fen)"), default=0)
    # The part of the above bought from a livestream's page.
    stream_orders = models.BigIntegerField(_("transactions from livestreams"), default=0)
    stream_weight_g = models.BigIntegerField(_("weight from livestreams (g)"), default=0)
    stream_revenue_fen = models.BigIntegerField(_("revenue from livestreams (fen)"), default=0)

    class Meta:
        verbose_name = _("daily sales")
        verbose_name_plural = _("daily sales")
        ordering = ["-day", "dimension", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "dimension", "key"], name="daily_sales_one_row_per_key"
            ),
        ]
        indexes = [  # one category's, county's or vendor's days (pledges, dashboards)
            models.Index(fields=["dimension", "key", "day"], name="daily_sales_by_key"),
        ]

    def __str__(self):
        return f"{self.day} {self.dimension} {self.key}"

    @property
    def revenue(self):
        return Decimal(self.revenue_fen) / 100


def _only(field):
    """The scope's own target is set, the other two are empty."""
    others = {f"{name}__isnull": True for name in ("category", "county", "vendor") if name != field}
    return models.Q(scope=field, **{f"{field}__isnull": False}, **others)


SCOPE_MATCHES_ITS_TARGET = (
    models.Q(scope="all", category__isnull=True, county__isnull=True, vendor__isnull=True)
    | _only("category")
    | _only("county")
    | _only("vendor")
)


class PledgeQuerySet(models.QuerySet):
    def with_progress(self):
        """Each pledge with what was sold in its scope and period so far (`sold_g`,
        `sold_fen`), from the rollups in the same query: a few rows per day of the
        period, whatever the number of orders."""
        sales = (
            DailySales.objects.filter(
                dimension=OuterRef("scope"),
                key=OuterRef("rollup_key"),
                day__gte=OuterRef("starts_on"),
                day__lte=OuterRef("ends_on"),
            )
            .order_by()
            .values("dimension")
        )
        return self.annotate(
            rollup_key=Coalesce("category_id", "county_id", "vendor_id", Value(0)),
            sold_g=Coalesce(
                Subquery(sales.annotate(total=Sum("weight_g")).values("total")), Value(0)
            ),
            sold_fen=Coalesce(
                Subquery(sales.annotate(total=Sum("revenue_fen")).values("total")), Value(0)
            ),
        )


class Pledge(models.Model):
    """A public target: who pledged to sell how much (tons or yuan) of what, by when."""

    class Measure(models.TextChoices):
        TONS = "tons", _("tons of produce")
        YUAN = "yuan", _("yuan (CNY) of sales")

    pledger = models.CharField(_("who pledged"), max_length=80)
    pledger_en = models.CharField(_("who pledged (English)"), max_length=120, blank=True)
    title = models.CharField(_("pledge"), max_length=120)
    title_en = models.CharField(_("pledge (English)"), max_length=160, blank=True)
    measure = models.CharField(_("measured in"), max_length=4, choices=Measure.choices)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    scope = models.CharField(
        _("scope"), max_length=8, choices=Dimension.choices, default=Dimension.ALL
    )
    category = models.ForeignKey(
        "catalog.Category",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    county = models.ForeignKey(
        "catalog.County",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("county"),
    )
    vendor = models.ForeignKey(
        "catalog.Vendor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vendor"),
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    is_public = models.BooleanField(_("shown on the impact board"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = PledgeQuerySet.as_manager()

    class Meta:
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        ordering = ["position", "starts_on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(target__gt=0), name="pledge_target_gt_0"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="pledge_ends_after_start",
            ),
            models.CheckConstraint(
                condition=SCOPE_MATCHES_ITS_TARGET,
                name="pledge_scope_names_its_target",
                violation_error_message=_(
                    "Name exactly the category, county or vendor of the scope, and nothing else."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.pledger}: {self.title}"

    def clean(self):
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The end must not be before the start.")
        if self.target is not None and self.target <= 0:
            errors["target"] = _("The target must be more than zero.")
        chosen = {"category": self.category_id, "county": self.county_id, "vendor": self.vendor_id}
        for field, value in chosen.items():
            if self.scope == field and not value:
                errors[field] = _("Required for this scope.")
            elif self.scope != field and value:
                errors[field] = _("Leave this empty for this scope.")
        if errors:
            raise ValidationError(errors)

    @property
    def achieved(self):
        """Tons or yuan sold towards it (needs `with_progress()`)."""
        if self.measure == self.Measure.TONS:
            return Decimal(self.sold_g) / 1_000_000
        return Decimal(self.sold_fen) / 100

    @property
    def percent(self):
        return float(self.achieved / self.target * 100) if self.target else 0.0

    @property
    def scope_object(self):
        return {
            Dimension.CATEGORY: self.category,
            Dimension.COUNTY: self.county,
            Dimension.VENDOR: self.vendor,
        }.get(self.scope)

    @property
    def display_pledger(self):
        return in_shoppers_language(self.pledger, self.pledger_en)

    @property
    def display_title(self):
        return in_shoppers_language(self.title, self.title_en)

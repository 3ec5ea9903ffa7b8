"""Keywords typed into search that take the shopper straight to a page."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from catalog.models.categories import Category
from catalog.models.places import County
from catalog.models.vendors import Vendor
from catalog.search import normalise_keyword


def _is_site_path(url):
    """A path on this site: no scheme, no host, nothing a browser reads as one (//, /\\)."""
    return url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=set())


class KeywordLanding(models.Model):
    """A keyword typed into search that takes the shopper straight to a page."""

    class Target(models.TextChoices):
        ZONE = "zone", _("the zone home")
        CATEGORY = "category", _("a category")
        COUNTY = "county", _("a county")
        VENDOR = "vendor", _("a vendor's storefront")
        PROMOTION = "promotion", _("a promotion's page")
        URL = "url", _("a page of the site (campaign)")

    keyword = models.CharField(
        _("keyword"),
        max_length=60,
        unique=True,
        help_text=_("Matched whole, ignoring case, width and extra spaces."),
    )
    target = models.CharField(_("target"), max_length=12, choices=Target.choices)
    # Exactly one of the next five is set, the one `target` names (none for the zone).
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("category")
    )
    county = models.ForeignKey(
        County, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("county")
    )
    vendor = models.ForeignKey(
        Vendor, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("vendor")
    )
    promotion = models.ForeignKey(
        "catalog.Promotion",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("promotion"),
    )
    url = models.CharField(
        _("site path"),
        max_length=200,
        blank=True,
        help_text=_("A path on this site starting with /, e.g. /products/?category=tea."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["keyword"]
        verbose_name = _("keyword landing")
        verbose_name_plural = _("keyword landings")

    def __str__(self):
        return self.keyword

    def clean(self):
        self.keyword = normalise_keyword(self.keyword)
        if not self.keyword:
            raise ValidationError({"keyword": _("Enter a keyword.")})
        needed = {
            self.Target.CATEGORY: "category",
            self.Target.COUNTY: "county",
            self.Target.VENDOR: "vendor",
            self.Target.PROMOTION: "promotion",
            self.Target.URL: "url",
        }.get(self.target)
        errors = {}
        for field in ("category", "county", "vendor", "promotion", "url"):
            value = getattr(self, field)
            if field == needed and not value:
                errors[field] = _("Choose where this keyword leads.")
            elif field != needed and value:
                errors[field] = _("Leave this empty for the chosen target.")
        if needed == "url" and self.url and not _is_site_path(self.url):
            errors["url"] = _("Enter a path on this site, starting with a single /.")
        if errors:
            raise ValidationError(errors)

    def get_target_url(self):
        if self.target == self.Target.CATEGORY:
            return self.category.get_absolute_url()
        if self.target == self.Target.COUNTY:
            return self.county.get_absolute_url()
        if self.target == self.Target.VENDOR:
            return self.vendor.get_absolute_url()
        if self.target == self.Target.PROMOTION:
            return self.promotion.get_absolute_url()
        if self.target == self.Target.URL:
            return self.url
        return reverse("catalog:home")

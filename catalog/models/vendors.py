"""The shops: county co-operatives, farms, sellers and the platform's store, and their members."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from catalog.models.places import County
from core.names import in_shoppers_language


class Vendor(models.Model):
    class Kind(models.TextChoices):
        COOPERATIVE = "cooperative", _("county co-operative")
        FARM = "farm", _("farm")
        THIRD_PARTY = "third_party", _("third-party seller")
        PLATFORM = "platform", _("platform-operated store")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending review")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        SUSPENDED = "suspended", _("suspended")

    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=160, blank=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="vendors", verbose_name=_("county")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    description = models.TextField(_("description"), blank=True)
    contact_name = models.CharField(_("contact name"), max_length=80, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    licence_number = models.CharField(_("business licence number"), max_length=32, blank=True)
    photo = models.ImageField(_("photo"), upload_to="vendors/", max_length=200, blank=True)
    # Who applied for the shop; they become its owner when staff approve it.
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="vendor_applications",
        verbose_name=_("applicant"),
    )
    # Why staff rejected or suspended it, as the vendor is told.
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="VendorMember",
        related_name="vendors",
        verbose_name=_("members"),
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    # Derived: whether listing cards say 包邮 for the shop's products that follow its
    # default freight template (orders/shipping rewrites it when templates change; no
    # template: the shop ships free).
    ships_free = models.BooleanField(_("ships free"), default=True, editable=False)
    # Derived: the average stars of its products' shown reviews of the last 90 days and
    # how many there are (the reviews app recomputes them on each review and nightly).
    recent_rating = models.DecimalField(
        _("rating (90 days)"), max_digits=3, decimal_places=2, null=True, editable=False
    )
    recent_rating_count = models.PositiveIntegerField(
        _("reviews (90 days)"), default=0, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("catalog:vendor", args=[self.slug])

    @property
    def display_name(self):
        return in_shoppers_language(self.name, self.name_en)


class VendorMember(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("owner")
        STAFF = "staff", _("staff")

    vendor = models.ForeignKey(
        Vendor, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("vendor")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="vendor_memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["vendor", "user"]
        verbose_name = _("vendor member")
        verbose_name_plural = _("vendor members")
        constraints = [
            models.UniqueConstraint(fields=["vendor", "user"], name="vendor_member_unique"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.vendor} ({self.role})"

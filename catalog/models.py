from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# Promotions live in their own package; importing their models here registers them as
# the catalog app's (they name the models below by "catalog.<Model>", so no cycle).
from catalog.promotions.models import Promotion, PromotionReminder  # noqa: F401
from catalog.search import normalise_keyword
from core.names import BilingualNameMixin, in_shoppers_language


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
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return f"{self.name_en} {self.name_zh}"

    def get_absolute_url(self):
        return reverse("catalog:category", args=[self.slug])


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


# What listings sort by (the same expressions as the indexes below, so they serve them).
# The 0 is written in the SQL, not sent as a parameter: a SELECT DISTINCT (a promotion's
# products) must see the same ORDER BY expression in its select list.
SOLD_OUT = models.Func(
    "stock", template="(%(expressions)s = 0)", output_field=models.BooleanField()
)
SHOWN_PRICE = Coalesce("promoted_price", "price")


class ProductQuerySet(models.QuerySet):
    def visible(self):
        """What shoppers may see: published products of approved vendors."""
        return self.filter(status=Product.Status.PUBLISHED, vendor__status=Vendor.Status.APPROVED)

    def with_shown_price(self):
        """`shown_price`: what the card says, the promoted price or else the list price (as
        stored: see catalog/promotions/shown_prices.py), to filter and sort by in SQL."""
        return self.alias(shown_price=SHOWN_PRICE)

    def in_shop_order(self, *ordering):
        """Ordered by `ordering`, sold-out products last whatever the sort."""
        return self.order_by(SOLD_OUT, *ordering)

    def for_cards(self):
        """Everything a product card shows, in a fixed number of queries."""
        return self.select_related(
            "vendor", "category", "origin_county__prefecture"
        ).prefetch_related(
            models.Prefetch("images", queryset=ProductImage.objects.order_by("position", "id"))
        )


class Product(models.Model):
    # Pages say "in stock" above this and "only N left" from it down: cached pages need
    # rendering again when an order takes stock only once it is this low.
    FEW_LEFT = 10

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        ARCHIVED = "archived", _("archived")

    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, related_name="products", verbose_name=_("vendor")
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products", verbose_name=_("category")
    )
    origin_county = models.ForeignKey(
        County,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("origin county"),
    )
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=160, blank=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True, help_text=_("Plain text."))
    description_en = models.TextField(
        _("English description"),
        blank=True,
        help_text=_("Plain text; shoppers reading English see it instead, when given."),
    )
    price = models.DecimalField(
        _("price (CNY)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    pack_size = models.CharField(
        _("pack size"), max_length=60, help_text=_("What one unit is, e.g. “5 kg box”.")
    )
    pack_size_en = models.CharField(
        _("English pack size"),
        max_length=60,
        blank=True,
        help_text=_("The pack size in English, e.g. “5 kg box”."),
    )
    net_weight_g = models.PositiveIntegerField(
        _("net weight (g)"), validators=[MinValueValidator(1)]
    )
    stock = models.PositiveIntegerField(_("stock"), default=0)
    origin_label = models.CharField(
        _("origin or GI label"),
        max_length=120,
        blank=True,
        help_text=_("Geographical-indication or origin label, e.g. 秭归脐橙 地理标志产品."),
    )
    origin_label_en = models.CharField(
        _("English origin or GI label"),
        max_length=160,
        blank=True,
        help_text=_("The label in English, e.g. Zigui navel orange, geographical indication."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    is_featured = models.BooleanField(_("featured on the zone home"), default=False)
    # Derived: the card's price when a running promotion lowers it, else empty (the list
    # price shows). Listings sort and filter by it; catalog/promotions/shown_prices.py rewrites it
    # when a promotion starts, ends, changes or sells out, and when the price changes.
    promoted_price = models.DecimalField(
        _("promoted price (CNY)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
    )
    # Derived: name, vendor, county and category in both languages, normalised for
    # search (see catalog/search.py). Rebuilt by services whenever any of them changes.
    search_document = models.TextField(_("search document"), blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    # Writes with .update() set this too, and call page_cache.bump_catalog_revision().
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(condition=models.Q(stock__gte=0), name="product_stock_gte_0"),
            models.CheckConstraint(condition=models.Q(price__gt=0), name="product_price_gt_0"),
            models.CheckConstraint(
                condition=models.Q(net_weight_g__gt=0), name="product_net_weight_gt_0"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="product_status_created"),
            models.Index(fields=["status", "price"], name="product_status_price"),
            models.Index(fields=["status", "name"], name="product_status_name"),
            models.Index("status", SOLD_OUT, SHOWN_PRICE, name="product_status_shown_price"),
            models.Index("status", SOLD_OUT, SHOWN_PRICE.desc(), name="product_status_shown_desc"),
            models.Index(
                "status",
                SOLD_OUT,
                models.F("created_at").desc(),
                name="product_status_sold_out_new",
            ),
            models.Index(
                fields=["-created_at"],
                condition=models.Q(is_featured=True),
                name="product_featured_newest",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("catalog:product", args=[self.slug])

    @property
    def display_name(self):
        return in_shoppers_language(self.name, self.name_en)

    @property
    def display_pack_size(self):
        return in_shoppers_language(self.pack_size, self.pack_size_en)

    @property
    def display_origin_label(self):
        return in_shoppers_language(self.origin_label, self.origin_label_en)

    @property
    def display_description(self):
        return in_shoppers_language(self.description, self.description_en)

    @property
    def few_left(self):
        return 0 < self.stock <= self.FEW_LEFT

    @property
    def is_on_sale(self):
        """The same rule as `Product.objects.visible()`, for a product already loaded with
        its vendor."""
        return (
            self.status == Product.Status.PUBLISHED and self.vendor.status == Vendor.Status.APPROVED
        )

    @property
    def main_image(self):
        """The first photo; uses the prefetch from `for_cards()` when present."""
        images = list(self.images.all())
        return images[0] if images else None


class ProductImage(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="images", verbose_name=_("product")
    )
    # Both files are written by catalog.images.store_product_photo under random names.
    image = models.ImageField(_("image"), upload_to="products/", max_length=200)
    thumbnail = models.ImageField(_("thumbnail"), upload_to="products/thumbs/", max_length=200)
    alt_text = models.CharField(_("alt text"), max_length=160, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("product photo")
        verbose_name_plural = _("product photos")

    def __str__(self):
        return self.image.name


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

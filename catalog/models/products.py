"""The categories, the products vendors sell and their photos."""

from decimal import ROUND_HALF_UP, Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from catalog.models.categories import Category
from catalog.models.places import County
from catalog.models.vendors import Vendor
from core.names import in_shoppers_language

# What listings sort by (the same expressions as the indexes below, so they serve them).
# The 0 is written in the SQL, not sent as a parameter: a SELECT DISTINCT (a promotion's
# products) must see the same ORDER BY expression in its select list.
SOLD_OUT = models.Func(
    "stock", template="(%(expressions)s = 0)", output_field=models.BooleanField()
)
SHOWN_PRICE = Coalesce("promoted_price", "price")
# The same orders written so that no index serves them, for a listing narrowed to a part of
# the catalog (a category, a county, a shop): PostgreSQL then reads the matches from the
# index on the filters' columns (product_category_county, product_county, index-only)
# and sorts them, where it would otherwise walk every product's prices (or names) in
# order hoping to meet the matches early, and dear tea from Enshi comes late (1.2–2.5 s
# at 1,000,000 products against 10–50 ms: bench/analysis.md).
SHOWN_PRICE_SORTED_HERE = models.Func(
    SHOWN_PRICE, template="(%(expressions)s + 0)", output_field=models.DecimalField()
)
NAME_SORTED_HERE = models.Func(
    "name", template="(%(expressions)s || '')", output_field=models.CharField()
)


# What a listing filters, sorts and joins its products by (catalog/filters.py, `visible`).
COVERED_FOR_LISTINGS = ["id", "status", "stock", "promoted_price", "price", "vendor", "name"]

# What catalog/partials/product_card.html shows and catalog/promotions/pricing.py prices a
# product by (its scope: category, vendor, county).
CARD_COLUMNS = (
    "slug",
    "name",
    "name_en",
    "price",
    "pack_size",
    "pack_size_en",
    "stock",
    "units_sold",
    "rating_count",
    "rating_total",
    "ships_free",
    "origin_label",
    "origin_label_en",
    "category_id",
    "vendor__name",
    "vendor__name_en",
    "vendor__ships_free",
    "origin_county__name_en",
    "origin_county__name_zh",
)


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
    # What only its own card and page show: a save changing nothing else leaves every
    # listing, search and count as cached (catalog/page_cache.py). Stock too, while it
    # stays above zero (sold out moves it to the end of every listing).
    CARD_ONLY_FIELDS = frozenset(
        {
            "stock",
            "units_sold",
            "rating_count",
            "rating_total",
            "pack_size",
            "pack_size_en",
            "net_weight_g",
            "origin_label",
            "origin_label_en",
            "ships_free",
            "updated_at",
        }
    )
    # What its card shows and the listings sorted or filtered by price order it by: a
    # save changing only these leaves every other listing, search and count as cached.
    PRICE_FIELDS = frozenset({"price", "promoted_price"})

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
    # Derived: whether the listing card says 包邮, for a product sent under a freight
    # template of its own (orders/shipping rewrites it); empty: as its shop's default
    # (Vendor.ships_free).
    ships_free = models.BooleanField(_("ships free"), null=True, editable=False)
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
    # search (see catalog/search/). Rebuilt by services whenever any of them changes.
    search_document = models.TextField(_("search document"), blank=True, editable=False)
    # Derived: the pinyin of the Chinese in its names (name, vendor, county, category),
    # full and initials, for shoppers who type `qicheng` or `qc` (catalog/search).
    search_pinyin = models.TextField(_("search pinyin"), blank=True, editable=False)
    # Derived: the same for its own name alone, so a name it spells ranks above a
    # category or a shop it spells (`qicheng`: 秭归脐橙 before a mandarin of 脐橙柑橘).
    name_pinyin = models.TextField(_("name pinyin"), blank=True, editable=False)
    # Derived: the search document of its own names (Chinese and English) alone, so a
    # search of a large catalog takes the products whose names match first.
    search_name = models.TextField(_("search name"), blank=True, editable=False)
    # Derived: units bought and not cancelled or refunded (已售), kept by orders in the
    # transaction of each checkout, cancellation and refund.
    units_sold = models.PositiveIntegerField(_("units sold"), default=0, editable=False)
    # Derived: the shown reviews' count and the sum of their stars (the reviews app keeps
    # them in the transaction of each review, hiding and showing again).
    rating_count = models.PositiveIntegerField(_("reviews"), default=0, editable=False)
    rating_total = models.PositiveIntegerField(_("stars in all"), default=0, editable=False)
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
            models.Index("status", SOLD_OUT, "name", name="product_status_sold_out_name"),
            # A listing filtered by category (and county) or by county, counted and read
            # from the index alone (PostgreSQL: the covering columns; elsewhere ignored).
            models.Index(
                fields=["category", "origin_county"],
                include=COVERED_FOR_LISTINGS,
                name="product_category_county",
            ),
            models.Index(
                fields=["origin_county"], include=COVERED_FOR_LISTINGS, name="product_county"
            ),
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

    @classmethod
    def from_db(cls, db, field_names, values):
        """Keeps the values read (Django's documented recipe), so a save can tell what it
        changed (`changes_listings`)."""
        instance = super().from_db(db, field_names, values)
        instance._loaded_values = dict(zip(field_names, values, strict=True))
        return instance

    def changes_listings(self, update_fields=None) -> bool:
        """Whether saving it as it is now changes what a listing shows or its order
        (anything but CARD_ONLY_FIELDS and PRICE_FIELDS, or stock to or from zero); True
        for a product not read from the database."""
        return any(
            name not in self.CARD_ONLY_FIELDS | self.PRICE_FIELDS
            or (name == "stock" and (before > 0) != (self.stock > 0))
            for name, before in self._changed_values(update_fields)
        )

    def changes_prices(self, update_fields=None) -> bool:
        """Whether saving it as it is now changes the price its card shows, which the
        listings sorted or filtered by price order it by; True for a product not read
        from the database."""
        return any(
            name in self.PRICE_FIELDS | {"*"} for name, _ in self._changed_values(update_fields)
        )

    def _changed_values(self, update_fields=None) -> list[tuple[str, object]]:
        """(attname, value read) of each field saving it now would change (of
        `update_fields` only, when given); a field named "*" for a product not read from
        the database."""
        loaded = getattr(self, "_loaded_values", None)
        if loaded is None:
            return [("*", None)]
        written = None if update_fields is None else set(update_fields)
        return [
            (name, before)
            for name, before in loaded.items()  # attnames: vendor_id…
            if (written is None or {name, name.removesuffix("_id")} & written)
            and name in self.__dict__
            and self.__dict__[name] != before
        ]

    def loaded_value(self, name: str) -> object:
        """What field `name` (an attname: vendor_id) held when read from the database;
        None for a product not read from it."""
        return (getattr(self, "_loaded_values", None) or {}).get(name)

    def remember_saved(self) -> None:
        """What it holds now is what the database holds (after a save)."""
        if hasattr(self, "_loaded_values"):
            self._loaded_values = {
                name: self.__dict__[name] for name in self._loaded_values if name in self.__dict__
            }

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
    def rating(self):
        """The average of its shown reviews' stars, to one decimal rounded half up as
        shoppers round (4.25 shows 4.3), None without any."""
        if not self.rating_count:
            return None
        average = Decimal(self.rating_total) / self.rating_count
        return average.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

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
    def shows_free_shipping(self):
        """A card's 包邮 (load with the vendor): the product's own template's, else its
        shop's default's."""
        return self.vendor.ships_free if self.ships_free is None else self.ships_free

    @property
    def main_image(self):
        """The first photo; uses the prefetch from `for_cards()` when present, or the photo
        `catalog.card_rows.card_products` read with the product."""
        if "card_image" in self.__dict__:
            return self.__dict__["card_image"]
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

"""A shop's products as a spreadsheet: export, and import with a row-by-row report.

The file has one product per row under a header of COLUMNS (the export writes exactly
that, so export → edit → import round-trips). `slug` names an existing product of the
shop to update; empty, a new product is made; any other slug (another shop's product
included, answered as an unknown one) is a problem of that row. `category` and
`origin_county` are slugs (the export shows them). `stock` is the stock of a new product; for a product already in
the shop it is only shown (checkouts move it meanwhile), and `stock_change` (+50, -3)
adjusts it the way the dashboard does. A column left out of the file leaves that value
as it is: a file with a `slug` column may hold only some columns (`slug,stock_change`),
and then a new product in it (slug empty) is a problem of its row for each
REQUIRED_COLUMNS column the file lacks. An import is all or nothing: if any row is wrong, nothing changes and the
report lists every problem by row and column, so the vendor fixes the file and sends it
again.

Text that a spreadsheet program would run as a formula (a cell starting with =, +, -, @,
a tab or a carriage return) is exported behind a ' (OWASP's advice against CSV
injection), and so is text starting with ' itself; the import takes that one ' off
again, so export → import keeps the text as it was.
"""

import csv
import io
import secrets
from dataclasses import dataclass, field

from django import forms
from django.core.validators import MinValueValidator, validate_slug
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import Category, County, Product
from catalog.promotions.shown_prices import refresh_shown_prices
from catalog.revision import bump_catalog_revision
from catalog.search import SEARCH_FIELDS, fill_search_fields
from catalog.search.words import record_search_words
from catalog.selectors import forget_counts
from catalog.services import VENDOR_EDITABLE_FIELDS, stock_change_problem
from catalog.validators import refuse_control_characters

COLUMNS = [
    "slug",
    "name",
    "name_en",
    "category",
    "origin_county",
    "price",
    "pack_size",
    "net_weight_g",
    "stock",
    "stock_change",
    "origin_label",
    "status",
    "description",
    "pack_size_en",
    "origin_label_en",
    "description_en",
]
MAX_STOCK = 1_000_000
WRITE_BATCH = 500
REQUIRED_COLUMNS = {"name", "category", "origin_county", "price", "pack_size", "net_weight_g"}
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
NEW_PRODUCT_NEEDS_COLUMN = gettext_lazy(
    "A new product (slug empty) needs %(column)s, and the file has no %(column)s column."
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


ROW_MODEL_FIELDS = [
    "name",
    "name_en",
    "price",
    "pack_size",
    "net_weight_g",
    "origin_label",
    "description",
    "pack_size_en",
    "origin_label_en",
    "description_en",
]


class ProductRow(forms.Form):
    """One row, checked with the model fields' own form fields and validators (price at
    least 0.01, weight at least 1 g) and no query: slugs are checked for the whole file."""

    slug = forms.CharField(required=False, max_length=120, validators=[validate_slug])
    category = forms.CharField()
    origin_county = forms.CharField()
    stock = forms.IntegerField(required=False, min_value=0, max_value=MAX_STOCK)
    stock_change = forms.IntegerField(required=False, min_value=-MAX_STOCK, max_value=MAX_STOCK)
    status = forms.ChoiceField(required=False, choices=[("", "")] + Product.Status.choices)

    def __init__(self, *args, categories, counties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(Product, fields=ROW_MODEL_FIELDS))
        for name in ("price", "net_weight_g"):  # the model's minimums (its CheckConstraints)
            self.fields[name].validators += [
                v
                for v in Product._meta.get_field(name).validators
                if isinstance(v, MinValueValidator)
            ]
        refuse_control_characters(self)
        self.categories, self.counties = categories, counties

    def clean_category(self):
        return self._lookup("category", self.categories)

    def clean_origin_county(self):
        return self._lookup("origin_county", self.counties)

    def _lookup(self, name, known):
        value = self.cleaned_data[name].strip().lower()
        if value not in known:
            raise forms.ValidationError(
                gettext_lazy("Unknown “%(value)s”; use a slug such as %(examples)s."),
                code="unknown",
                params={"value": value, "examples": ", ".join(sorted(known)[:4])},
            )
        return known[value]


@dataclass
class ImportReport:
    problems: list = field(default_factory=list)  # (row, column, message)
    created: int = 0
    updated: int = 0

    @property
    def ok(self):
        return not self.problems


def _escape(value):
    """A text cell a spreadsheet cannot mistake for a formula; numbers stay numbers."""
    if isinstance(value, str) and value.startswith((*FORMULA_STARTS, ESCAPE)):
        return ESCAPE + value
    return value


def _unescape(value):
    """The text the export escaped with _escape, as it was."""
    if value.startswith(ESCAPE) and value[1:].startswith((*FORMULA_STARTS, ESCAPE)):
        return value[1:]
    return value


def export_products(vendor):
    """CSV text (with a byte-order mark, so spreadsheet programs read the Chinese)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    products = (
        Product.objects.filter(vendor=vendor)
        .select_related("category", "origin_county")
        .order_by("pk")
    )
    for p in products.iterator(chunk_size=1000):
        writer.writerow(
            [
                _escape(value)
                for value in (
                    p.slug,
                    p.name,
                    p.name_en,
                    p.category.slug,
                    p.origin_county.slug,
                    p.price,
                    p.pack_size,
                    p.net_weight_g,
                    p.stock,
                    "",
                    p.origin_label,
                    p.status,
                    p.description,
                    p.pack_size_en,
                    p.origin_label_en,
                    p.description_en,
                )
            ]
        )
    return out.getvalue()


def _decode(data):
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China often saves GB18030
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def read_rows(uploaded):
    """(rows as dicts with their line numbers, report with file-level problems)."""
    report = ImportReport()
    if uploaded.size > MAX_BYTES:
        report.problems.append((None, "", _("The file is larger than 2 MB; split it.")))
        return [], report
    text = _decode(uploaded.read())
    if text is None:
        report.problems.append((None, "", _("The file is not text: save it as CSV (UTF-8).")))
        return [], report
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [(name or "").strip() for name in reader.fieldnames or []]
        # With slugs, a row may update only some columns; without, every row is new.
        missing = REQUIRED_COLUMNS - set(header) if "slug" not in header else set()
        if missing:
            report.problems.append(
                (
                    1,
                    "",
                    _("Columns missing from the first row: %(columns)s.")
                    % {"columns": ", ".join(sorted(missing))},
                )
            )
            return [], report
        reader.fieldnames = header
        rows = [
            (
                reader.line_num,
                {
                    k: _unescape((v or "").strip())
                    for k, v in row.items()
                    if k and isinstance(v, str)
                },
            )
            for row in reader
            if any((v or "").strip() for v in row.values() if isinstance(v, str))
        ]
    except csv.Error as error:  # the csv module's own words are not for vendors
        row = reader.line_num + 1  # the line after the last row read is where it broke
        if "field limit" in str(error):
            message = _(
                "Row %(row)s has a cell that is too long (more than %(limit)s characters)."
            ) % {"row": row, "limit": csv.field_size_limit()}
        else:
            message = _("This is not a CSV file the import can read; save it again as CSV UTF-8.")
        report.problems.append((row, "", message))
        return [], report
    if len(rows) > MAX_ROWS:
        report.problems.append(
            (
                None,
                "",
                _("At most %(max)s products per file; this one has %(count)s.")
                % {"max": MAX_ROWS, "count": len(rows)},
            )
        )
    if not rows and not report.problems:
        report.problems.append((None, "", _("The file has no products under its header.")))
    return rows, report


def _as_row(product):
    """An existing product as a row, for the columns a file leaves out."""
    return {
        "name": product.name,
        "name_en": product.name_en,
        "category": product.category.slug,
        "origin_county": product.origin_county.slug,
        "price": str(product.price),
        "pack_size": product.pack_size,
        "net_weight_g": str(product.net_weight_g),
        "origin_label": product.origin_label,
        "description": product.description,
        "pack_size_en": product.pack_size_en,
        "origin_label_en": product.origin_label_en,
        "description_en": product.description_en,
    }


def import_products(vendor, uploaded):
    """Check every row; if all are right, create and update them in one transaction
    (a few statements in all, plus one per stock change)."""
    rows, report = read_rows(uploaded)
    if report.problems:
        return report
    categories = {c.slug: c for c in Category.objects.select_related("parent")}
    counties = {c.slug: c for c in County.objects.select_related("prefecture")}
    mine = {
        p.slug: p
        for p in Product.objects.filter(vendor=vendor).select_related(
            "vendor", "category", "origin_county"
        )
    }
    seen, checked = set(), []
    for line, data in rows:
        slug = data.get("slug", "")
        existing = mine.get(slug)
        if existing is not None:
            data = {**_as_row(existing), **data}  # a column left out changes nothing
        form = ProductRow(data, categories=categories, counties=counties)
        valid = form.is_valid()
        # A column the file lacks: said once for a new product, not as "required".
        absent = REQUIRED_COLUMNS - data.keys() if existing is None else set()
        for column, errors in form.errors.items():
            if column not in absent:
                report.problems += [(line, column, error) for error in errors]
        if not slug:
            report.problems += [
                (line, column, NEW_PRODUCT_NEEDS_COLUMN % {"column": column})
                for column in sorted(absent)
            ]
        for column, message in _row_problems(data, existing, slug, seen):
            report.problems.append((line, column, message))
        seen.add(slug)
        if valid:
            checked.append((line, form, existing, slug))
    if not report.problems:
        with transaction.atomic():
            _write(vendor, checked, report)
    return report


def _row_problems(data, existing, slug, seen):
    if slug and existing is None:
        # Another shop's product (a draft too) gets the very answer an unknown slug gets:
        # the import never tells a vendor which slugs exist elsewhere.
        yield (
            "slug",
            _("No product “%(slug)s” in your shop; leave slug empty for a new product.")
            % {"slug": slug},
        )
        return
    if slug and slug in seen:
        yield "slug", _("“%(slug)s” appears twice in the file.") % {"slug": slug}
    if existing is None and data.get("stock", "") == "":
        yield "stock", _("Give the stock of a new product.")
    if existing is None and data.get("stock_change", ""):
        yield (
            "stock_change",
            _("stock_change is for products already in your shop; give the stock of a new one."),
        )


def _write(vendor, checked, report):
    """Apply the checked rows: one bulk INSERT, one bulk UPDATE, the stock changes."""
    now = timezone.now()
    new, changed, stock_changes = [], [], []
    for line, form, existing, slug in checked:
        product = existing or Product(vendor=vendor, status=Product.Status.DRAFT)
        for name in ROW_MODEL_FIELDS:
            setattr(product, name, form.cleaned_data[name])
        product.vendor = vendor
        product.category = form.cleaned_data["category"]
        product.origin_county = form.cleaned_data["origin_county"]
        if form.cleaned_data["status"]:
            product.status = form.cleaned_data["status"]
        fill_search_fields(product)
        product.updated_at = now
        if product.pk is None:
            product.stock = form.cleaned_data["stock"]
            product.slug = slug
            new.append(product)
        else:
            changed.append(product)
            if form.cleaned_data["stock_change"]:
                stock_changes.append((line, product, form.cleaned_data["stock_change"]))
    _give_slugs([p for p in new if not p.slug])
    Product.objects.bulk_create(new, batch_size=WRITE_BATCH)
    Product.objects.bulk_update(
        changed,
        [*VENDOR_EDITABLE_FIELDS, "status", *SEARCH_FIELDS, "updated_at"],
        batch_size=WRITE_BATCH,
    )
    record_search_words(product.search_document for product in [*new, *changed])
    for line, product, change in stock_changes:
        problem = stock_change_problem(product, change)
        if problem:
            report.problems.append((line, "stock_change", problem))
    if report.problems:
        transaction.set_rollback(True)  # a stock change that would go below 0: nothing
        return
    report.created, report.updated = len(new), len(changed)
    refresh_shown_prices(Product.objects.filter(pk__in=[p.pk for p in new + changed]))
    forget_counts()
    bump_catalog_revision()  # bulk writes send no signals


def _give_slugs(products):
    """Slugs from the English names, made unique against the database in one query."""
    wanted = [slugify(p.name_en)[:60] or f"p-{secrets.token_hex(4)}" for p in products]
    used = set(Product.objects.filter(slug__in=wanted).values_list("slug", flat=True))
    for product, base in zip(products, wanted, strict=True):
        slug = base
        while slug in used:
            slug = f"{base}-{secrets.token_hex(3)}"
        used.add(slug)
        product.slug = slug

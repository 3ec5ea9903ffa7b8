"""A shop's products as a spreadsheet: export, and import with a row-by-row report.

The file has one product per row under a header of COLUMNS (the export writes exactly
that, so export → edit → import round-trips). `slug` names an existing product of the
shop to update; empty, a new product is made. `category` and `origin_county` are slugs
(the export shows them). `stock` sets the units in stock. An import is all or nothing:
if any row is wrong, nothing changes and the report lists every problem by row and
column, so the vendor fixes the file and sends it again.
"""

import csv
import io
from dataclasses import dataclass, field

from django import forms
from django.core.validators import validate_slug
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import Category, County, Product
from catalog.page_cache import bump_catalog_revision

COLUMNS = ["slug", "name", "name_en", "category", "origin_county", "price", "pack_size",
           "net_weight_g", "stock", "origin_label", "status", "description"]
REQUIRED_COLUMNS = {"name", "category", "origin_county", "price", "pack_size", "net_weight_g"}
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000


class ProductRow(forms.ModelForm):
    """One row, checked like the dashboard's product form."""

    slug = forms.CharField(required=False, max_length=120, validators=[validate_slug])
    category = forms.CharField()
    origin_county = forms.CharField()
    stock = forms.IntegerField(required=False, min_value=0)
    status = forms.ChoiceField(required=False, choices=[("", "")] + Product.Status.choices)

    class Meta:
        model = Product
        fields = ["name", "name_en", "price", "pack_size", "net_weight_g", "origin_label",
                  "description"]

    def __init__(self, *args, categories, counties, **kwargs):
        super().__init__(*args, **kwargs)
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
                code="unknown", params={"value": value, "examples": ", ".join(sorted(known)[:4])},
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


def export_products(vendor):
    """CSV text (with a byte-order mark, so spreadsheet programs read the Chinese)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    products = (Product.objects.filter(vendor=vendor)
                .select_related("category", "origin_county").order_by("pk"))
    for p in products.iterator(chunk_size=1000):
        writer.writerow([p.slug, p.name, p.name_en, p.category.slug, p.origin_county.slug,
                         p.price, p.pack_size, p.net_weight_g, p.stock, p.origin_label,
                         p.status, p.description])
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
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = REQUIRED_COLUMNS - set(header)
    if missing:
        report.problems.append((1, "", _("Columns missing from the first row: %(columns)s.")
                                % {"columns": ", ".join(sorted(missing))}))
        return [], report
    reader.fieldnames = header
    rows = [(reader.line_num, {k: (v or "").strip() for k, v in row.items() if k})
            for row in reader if any((v or "").strip() for v in row.values() if isinstance(v, str))]
    if len(rows) > MAX_ROWS:
        report.problems.append((None, "", _("At most %(max)s products per file; this one has "
                                            "%(count)s.") % {"max": MAX_ROWS, "count": len(rows)}))
    if not rows and not report.problems:
        report.problems.append((None, "", _("The file has no products under its header.")))
    return rows, report


def import_products(vendor, uploaded):
    """Check every row; if all are right, create and update them in one transaction."""
    from catalog.services import save_product, unique_slug

    rows, report = read_rows(uploaded)
    if report.problems:
        return report
    categories = {c.slug: c for c in Category.objects.select_related("parent")}
    counties = {c.slug: c for c in County.objects.select_related("prefecture")}
    mine = {p.slug: p for p in Product.objects.filter(vendor=vendor)}
    slugs = [data.get("slug", "") for _, data in rows if data.get("slug")]
    taken = set(Product.objects.filter(slug__in=slugs).exclude(vendor=vendor)
                .values_list("slug", flat=True))
    seen, changes = set(), []
    for line, data in rows:
        slug = data.get("slug", "")
        product = mine.get(slug) or Product(vendor=vendor, status=Product.Status.DRAFT)
        form = ProductRow(data, instance=product, categories=categories, counties=counties)
        valid = form.is_valid()
        for column, errors in form.errors.items():
            report.problems += [(line, column, error) for error in errors]
        if slug in taken:
            report.problems.append((line, "slug", _("“%(slug)s” is another shop's product; "
                                                    "leave slug empty for a new product.")
                                    % {"slug": slug}))
        elif slug and slug in seen:
            report.problems.append((line, "slug", _("“%(slug)s” appears twice in the file.")
                                    % {"slug": slug}))
        seen.add(slug)
        if product.pk is None and data.get("stock", "") == "":
            report.problems.append((line, "stock", _("Give the stock of a new product.")))
        if valid:
            changes.append((form, slug))
    if report.problems:
        return report
    with transaction.atomic():
        for form, slug in changes:
            product = form.save(commit=False)
            product.vendor = vendor
            product.category = form.cleaned_data["category"]
            product.origin_county = form.cleaned_data["origin_county"]
            if form.cleaned_data["status"]:
                product.status = form.cleaned_data["status"]
            if form.cleaned_data["stock"] is not None:
                product.stock = form.cleaned_data["stock"]
            created = product.pk is None
            if created:
                product.slug = slug or unique_slug(Product, product.name_en, prefix="p")
            save_product(product)
            report.created += created
            report.updated += not created
    bump_catalog_revision()
    return report

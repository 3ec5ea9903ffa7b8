"""The rows a product card is rendered from, in one statement written once per process.

A card rendered after a write (catalog/cards.py) reads one or a few products. Through the
ORM that read (select_related vendor and county, `only` the card's columns, the first
photo prefetched) cost about 2 ms of CPU, most of it compiling the two queries, against
0.1 ms for executing them: a third of a page patched after a stock change. Here the SQL
is written once per number of ids from the models' own table and column names, the photo
is two correlated subqueries, and the rows become model instances through
`Model.from_db`, the documented way the ORM itself loads a row.
"""

from collections.abc import Sequence
from functools import lru_cache

from django.db import connection

from catalog.models import County, Product, ProductImage, Vendor
from catalog.models.products import CARD_COLUMNS


def _in_model_order(model, names) -> tuple[str, ...]:
    """`names` (attnames) in the order of the model's columns, as `from_db` takes them."""
    names = set(names)
    return tuple(field.attname for field in model._meta.concrete_fields if field.attname in names)


# Each model's columns a card reads: the product's own (and the keys its price and its
# joins need), then its shop's and its county's.
PRODUCT_FIELDS = _in_model_order(
    Product,
    ["id", "vendor_id", "origin_county_id", *(name for name in CARD_COLUMNS if "__" not in name)],
)
VENDOR_FIELDS = _in_model_order(
    Vendor, ["id", *(name[8:] for name in CARD_COLUMNS if name.startswith("vendor__"))]
)
COUNTY_FIELDS = _in_model_order(
    County, ["id", *(name[15:] for name in CARD_COLUMNS if name.startswith("origin_county__"))]
)
IMAGE_FIELDS = ("thumbnail", "alt_text")


def _columns(model, fields: Sequence[str], table: str) -> list[str]:
    quote = connection.ops.quote_name
    return [f"{table}.{quote(model._meta.get_field(name).column)}" for name in fields]


@lru_cache(maxsize=64)
def _card_sql(count: int) -> str:
    """SELECT the card columns of `count` products by id (placeholders for the ids)."""
    quote = connection.ops.quote_name
    product, vendor, county, image = (
        quote(model._meta.db_table) for model in (Product, Vendor, County, ProductImage)
    )
    first_photo = [
        f"(SELECT {image}.{quote(ProductImage._meta.get_field(name).column)} FROM {image}"
        f" WHERE {image}.{quote('product_id')} = {product}.{quote('id')}"
        f" ORDER BY {image}.{quote('position')}, {image}.{quote('id')} LIMIT 1)"
        for name in IMAGE_FIELDS
    ]
    columns = [
        *_columns(Product, PRODUCT_FIELDS, product),
        *_columns(Vendor, VENDOR_FIELDS, vendor),
        *_columns(County, COUNTY_FIELDS, county),
        *first_photo,
    ]
    vendor_key = quote(Product._meta.get_field("vendor").column)
    county_key = quote(Product._meta.get_field("origin_county").column)
    return (
        f"SELECT {', '.join(columns)} FROM {product}"
        f" INNER JOIN {vendor} ON {vendor}.{quote('id')} = {product}.{vendor_key}"
        f" INNER JOIN {county} ON {county}.{quote('id')} = {product}.{county_key}"
        f" WHERE {product}.{quote('id')} IN ({', '.join(['%s'] * count)})"
    )


@lru_cache(maxsize=1)
def _converters() -> list[tuple[int, list, object]]:
    """(position, converters, column) of the columns whose values the backend gives in
    another type than the field's (SQLite: decimals, booleans), as the ORM's compiler
    finds them: a raw cursor applies none."""
    fields = [
        *(Product._meta.get_field(name) for name in PRODUCT_FIELDS),
        *(Vendor._meta.get_field(name) for name in VENDOR_FIELDS),
        *(County._meta.get_field(name) for name in COUNTY_FIELDS),
        *(ProductImage._meta.get_field(name) for name in IMAGE_FIELDS),
    ]
    found = []
    for position, field in enumerate(fields):
        column = field.get_col(field.model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if converters:
            found.append((position, converters, column))
    return found


def card_products(ids: Sequence[int]) -> list[Product]:
    """The products `ids` (those still there, in no order) with what their cards show and
    are priced by, their shop and county loaded, `main_image` their first photo or None."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_card_sql(len(ids)), ids)
        rows = [list(row) for row in cursor.fetchall()]
    for row in rows:
        for position, converters, column in _converters():
            for converter in converters:
                row[position] = converter(row[position], column, connection)
    alias = connection.alias
    at_vendor = len(PRODUCT_FIELDS)
    at_county = at_vendor + len(VENDOR_FIELDS)
    at_image = at_county + len(COUNTY_FIELDS)
    products = []
    for row in rows:
        product = Product.from_db(alias, PRODUCT_FIELDS, row[:at_vendor])
        product.vendor = Vendor.from_db(alias, VENDOR_FIELDS, row[at_vendor:at_county])
        product.origin_county = County.from_db(alias, COUNTY_FIELDS, row[at_county:at_image])
        thumbnail, alt_text = row[at_image:]
        product.card_image = (
            None
            if thumbnail is None
            else ProductImage.from_db(
                alias, ("product_id", *IMAGE_FIELDS), (product.pk, thumbnail, alt_text)
            )
        )
        products.append(product)
    return products

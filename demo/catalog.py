"""Build the demo catalog: vendors, products, photos and keyword landings.

Idempotent: every row has a fixed slug derived from its position, so running again
creates only what is missing (a larger --products adds products; a smaller one leaves
the existing ones alone).

Products come in batches: each product's search fields are built once per combination
of names the demo repeats, and on PostgreSQL the batches are written with COPY, WRITERS
at a time (3,000-4,000 products a second on two cores, most of it the server's work).
"""

import random
import secrets
from collections.abc import Callable
from decimal import Decimal
from functools import partial

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from catalog.models import (
    Category,
    County,
    KeywordLanding,
    Prefecture,
    Product,
    ProductImage,
    Vendor,
    VendorMember,
)
from catalog.page_cache import bump_catalog_revision
from catalog.reference.hubei import load_reference_data
from catalog.search import SEARCH_FIELDS, fill_search_fields, normalise_keyword
from catalog.search.synonyms import seed_zone_synonyms
from catalog.search.words import record_search_words
from demo import bulk_load
from demo.photos import ensure_category_photos
from demo.specialties import (
    EXTRA_VENDORS,
    GRADES,
    LANDINGS,
    ORIGIN_LABELS_EN,
    PACK_SIZES_EN,
    SPECIALTIES,
)

BATCH_SIZE = 1000
# On PostgreSQL (outside a transaction) this many batches are written at once, each in
# a connection of its own: the server's work per product (its stored search vector, a
# GIN entry per token, a dozen btree indexes) outweighs Python's, and takes a core.
WRITERS = 2
STAFF_USERNAME = "admin"


def seed_vendors():
    """One co-operative and one farm in each specialty county, plus the extra sellers."""
    counties = {c.slug: c for c in County.objects.select_related("prefecture")}
    wanted = []
    for county_slug in dict.fromkeys(s[1] for s in SPECIALTIES):
        county = counties[county_slug]
        short_zh = county.name_zh.removesuffix("县").removesuffix("市").removesuffix("区")
        short_en = county.name_en.split(" ")[0]
        wanted.append(
            (
                f"{county_slug}-coop",
                f"{short_zh}特色农产品专业合作社",
                f"{short_en} Specialty Produce Co-operative",
                "cooperative",
                county,
                "approved",
            )
        )
        wanted.append(
            (
                f"{county_slug}-farm",
                f"{short_zh}山水家庭农场",
                f"{short_en} Hills Family Farm",
                "farm",
                county,
                "approved",
            )
        )
    for slug, name_zh, name_en, kind, county_slug, status in EXTRA_VENDORS:
        wanted.append((slug, name_zh, name_en, kind, counties[county_slug], status))

    User = get_user_model()
    vendors = {}
    for slug, name_zh, name_en, kind, county, status in wanted:
        vendor, created = Vendor.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name_zh,
                "name_en": name_en,
                "kind": kind,
                "county": county,
                "status": status,
                "description": f"{name_zh}，来自{county.prefecture.name_zh}{county.name_zh}。\n"
                f"{name_en}, from {county.name_en}, {county.prefecture.name_en}.",
                "contact_name": "张经理",
                "contact_phone": "13800000000",
            },
        )
        if created:
            user, _ = User.objects.get_or_create(username=f"vendor-{slug}")
            user.set_unusable_password()
            user.save()
            VendorMember.objects.create(vendor=vendor, user=user, role=VendorMember.Role.OWNER)
        vendors[slug] = vendor
    return vendors


def _sellers_for(specialty, vendors):
    county_slug = specialty[1]
    return [
        vendors[f"{county_slug}-coop"],
        vendors[f"{county_slug}-farm"],
        vendors["hubei-official"],
        vendors["jingchu-good-things"],
        vendors["changjiang-fresh"],
        vendors["new-applicant-farm"],
        vendors["suspended-seller"],
    ]


def _pack_in_name_en(pack):
    """The pack's first word (5kg), or its whole English (pack of 10) if that is Chinese."""
    first = pack.split(" ")[0]
    return first if first.isascii() else PACK_SIZES_EN.get(pack, first)


def _units_sold(rng):
    """A believable 已售 figure: most products have sold some tens, a few hundreds, a
    handful thousands (a long tail, as on any marketplace), capped at 50,000."""
    if rng.random() < 0.08:
        return 0  # new on the shelf
    # 1 / (1 - u) is Pareto-distributed: half under 2, one in a hundred above 100.
    return min(int(8 * (1 / (1 - rng.random())) ** 1.4), 50_000)


# What a product's search fields (SEARCH_FIELDS) are built from: its own texts and the
# rows it belongs to (whose names are the same throughout one seeding).
SearchInputs = tuple[str, str, str, str, str, str, int, int, int]


def _search_inputs(product: Product) -> SearchInputs:
    return (
        product.name,
        product.name_en,
        product.origin_label,
        product.origin_label_en,
        product.description,
        product.description_en,
        product.vendor_id,
        product.category_id,
        product.origin_county_id,
    )


def _fill_search_fields(product: Product, known: dict[SearchInputs, tuple[str, ...]]) -> None:
    """fill_search_fields, built once per distinct product texts and rows: the demo
    products repeat a few thousand combinations, and pinyin is slow to build."""
    inputs = _search_inputs(product)
    values = known.get(inputs)
    if values is None:
        fill_search_fields(product)
        known[inputs] = tuple(getattr(product, field) for field in SEARCH_FIELDS)
    else:
        for field, value in zip(SEARCH_FIELDS, values, strict=True):
            setattr(product, field, value)


def _product_for(index, vendors, categories, counties, known_search_fields=None):
    """The demo product at `index` (0-based): the same every run. `known_search_fields`:
    the search fields already built in this seeding, by what they are built from."""
    rng = random.Random(index)
    specialty = SPECIALTIES[index % len(SPECIALTIES)]
    category_slug, county_slug, name_zh, name_en, label, packs, description = specialty
    grade_zh, grade_en = GRADES[(index // len(SPECIALTIES)) % len(GRADES)]
    pack, weight_g, base_price = packs[rng.randrange(len(packs))]
    sellers = _sellers_for(specialty, vendors)
    # Mostly the county's own co-operative and farm; now and then a reseller.
    vendor = sellers[rng.choices(range(len(sellers)), weights=[40, 30, 10, 8, 8, 2, 2])[0]]
    price = Decimal(base_price) * Decimal(rng.choice(["0.9", "0.95", "1", "1", "1.05", "1.2"]))
    stock = 0 if rng.random() < 0.06 else rng.randint(5, 800)
    status = Product.Status.DRAFT if rng.random() < 0.03 else Product.Status.PUBLISHED
    units_sold = 0 if status == Product.Status.DRAFT else _units_sold(rng)
    product = Product(
        vendor=vendor,
        category=categories[category_slug],
        origin_county=counties[county_slug],
        name=f"{grade_zh}{name_zh} {pack}",
        name_en=f"{grade_en}{name_en}, {_pack_in_name_en(pack)}",
        slug=f"demo-{index + 1:06d}",
        description=description.split("\n")[0],
        description_en=description.split("\n")[-1],
        price=price.quantize(Decimal("0.1")),
        pack_size=pack,
        pack_size_en=PACK_SIZES_EN.get(pack, ""),
        net_weight_g=weight_g,
        stock=stock,
        origin_label=label,
        origin_label_en=ORIGIN_LABELS_EN.get(label, ""),
        status=status,
        units_sold=units_sold,
        is_featured=index < 2 * len(SPECIALTIES) and index % 4 == 0,
    )
    _fill_search_fields(product, {} if known_search_fields is None else known_search_fields)
    return product


def _image_for(
    index: int, product: Product, photos: dict[str, list[tuple[str, str]]]
) -> ProductImage:
    """The shared category photo the demo product at `index` shows."""
    choices = photos[product.category.slug]
    image_name, thumb_name = choices[(index // len(SPECIALTIES)) % len(choices)]
    return ProductImage(
        product=product, image=image_name, thumbnail=thumb_name, alt_text=product.name
    )


def _insert_batch(products: list[Product], images: list[ProductImage], documents: list[str]) -> int:
    """Write one batch with bulk_create (SQLite), in one transaction; how many products."""
    with transaction.atomic():
        Product.objects.bulk_create(products)
        ProductImage.objects.bulk_create(images)  # the products' ids set by now
        record_search_words(documents)
        bump_catalog_revision()  # bulk_create sends no signals
    return len(products)


def _copy_batch(
    product_rows: list[list[object]], image_rows: list[list[object]], documents: list[str]
) -> int:
    """Write one batch with COPY (PostgreSQL), in one transaction; how many products."""
    with transaction.atomic():
        bulk_load.copy(Product, product_rows, with_pk=True)
        bulk_load.copy(ProductImage, image_rows, with_pk=False)
        record_search_words(documents)
        bump_catalog_revision()  # COPY sends no signals
    return len(product_rows)


def _batch_writer(
    indexes: list[int],
    *,
    copying: bool,
    vendors: dict[str, Vendor],
    categories: dict[str, Category],
    counties: dict[str, County],
    photos: dict[str, list[tuple[str, str]]],
    known_search_fields: dict[SearchInputs, tuple[str, ...]],
) -> Callable[[], int]:
    """Build the demo products at `indexes` and their photos, here; return what writes
    them and says how many it wrote. `copying` (PostgreSQL): their ids and timestamps
    are taken now, so they follow the products' order whichever batch is written first."""
    products = [
        _product_for(index, vendors, categories, counties, known_search_fields) for index in indexes
    ]
    if copying:
        for product, pk in zip(products, bulk_load.new_ids(Product, len(products)), strict=True):
            product.pk = pk
    images = [
        _image_for(index, product, photos) for index, product in zip(indexes, products, strict=True)
    ]
    documents = list(dict.fromkeys(product.search_document for product in products))
    if copying:
        rows = (
            bulk_load.copy_rows(products, with_pk=True),
            bulk_load.copy_rows(images, with_pk=False),
        )
        return partial(_copy_batch, *rows, documents)
    return partial(_insert_batch, products, images, documents)


def seed_products(count, vendors, *, progress=None):
    """Create demo products 1..count that do not exist yet, with shared photos."""
    categories = {c.slug: c for c in Category.objects.all()}
    counties = {c.slug: c for c in County.objects.select_related("prefecture")}
    photos = {
        slug: ensure_category_photos(category)
        for slug, category in categories.items()
        if any(s[0] == slug for s in SPECIALTIES)
    }
    existing = set(Product.objects.filter(slug__startswith="demo-").values_list("slug", flat=True))
    missing = [i for i in range(count) if f"demo-{i + 1:06d}" not in existing]
    if progress:
        progress.update(count - len(missing))
    copying = connection.vendor == "postgresql"
    build = partial(
        _batch_writer,
        copying=copying,
        vendors=vendors,
        categories=categories,
        counties=counties,
        photos=photos,
        known_search_fields={},
    )
    jobs = (
        build(missing[start : start + BATCH_SIZE]) for start in range(0, len(missing), BATCH_SIZE)
    )
    if copying and not connection.in_atomic_block:
        written = bulk_load.run_in_threads(jobs, WRITERS)
    else:  # inside the caller's transaction (tests): in it, one batch after the other
        written = (job() for job in jobs)
    created = 0
    for batch_size in written:
        created += batch_size
        if progress:
            progress.update(batch_size)
    return created


def seed_landings():
    targets = {
        "category": lambda slug: {"category": Category.objects.get(slug=slug)},
        "county": lambda slug: {"county": County.objects.get(slug=slug)},
        "vendor": lambda slug: {"vendor": Vendor.objects.get(slug=slug)},
        "url": lambda path: {"url": path},
        "zone": lambda _: {},
    }
    for keyword, target, value in LANDINGS:
        # get_or_create: a landing staff changed or switched off stays as they left it
        KeywordLanding.objects.get_or_create(
            keyword=normalise_keyword(keyword),
            defaults={"target": target, **targets[target](value)},
        )
    seed_zone_synonyms()


def ensure_staff_login(password=None):
    """The staff account for the admin: (username, password), or (username, None) when
    it already exists and no password was asked for (its password is left alone)."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=STAFF_USERNAME,
        defaults={"is_staff": True, "is_superuser": True, "email": "staff@example.com"},
    )
    if not created and not password:
        return STAFF_USERNAME, None
    password = password or secrets.token_urlsafe(9)
    user.set_password(password)
    user.save()
    return STAFF_USERNAME, password


DEMO_VENDOR_SLUG = "zigui-coop"


def ensure_vendor_login(password=None):
    """The owner of the demo Zigui co-operative, to try the vendor dashboard:
    (username, password), (username, None) when it already has a password and none was
    asked for, or (None, None) without that shop."""
    user = (
        get_user_model()
        .objects.filter(
            vendor_memberships__vendor__slug=DEMO_VENDOR_SLUG,
            vendor_memberships__role=VendorMember.Role.OWNER,
        )
        .first()
    )
    if user is None:
        return None, None
    if user.has_usable_password() and not password:
        return user.username, None
    password = password or secrets.token_urlsafe(9)
    user.set_password(password)
    user.save()
    return user.username, password


def seed_reference_data():
    """Hubei's places and the categories, where missing (the migration loads them)."""
    load_reference_data(Prefecture, County, Category)

"""Build the demo catalog: vendors, products, photos and keyword landings.

Idempotent: every row has a fixed slug derived from its position, so running again
creates only what is missing (a larger --products adds products; a smaller one leaves
the existing ones alone).
"""

import random
import secrets
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

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
from catalog.search import fill_search_fields, normalise_keyword
from catalog.search.synonyms import seed_zone_synonyms
from catalog.search.words import record_search_words
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


def _product_for(index, vendors, categories, counties):
    """The demo product at `index` (0-based): the same every run."""
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
    fill_search_fields(product)
    return product


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
    created = 0
    for start in range(0, len(missing), BATCH_SIZE):
        batch = [
            _product_for(i, vendors, categories, counties)
            for i in missing[start : start + BATCH_SIZE]
        ]
        with transaction.atomic():
            Product.objects.bulk_create(batch)
            record_search_words(product.search_document for product in batch)
            images = []
            for index, product in zip(missing[start : start + BATCH_SIZE], batch, strict=True):
                choices = photos[product.category.slug]
                image_name, thumb_name = choices[(index // len(SPECIALTIES)) % len(choices)]
                images.append(
                    ProductImage(
                        product=product,
                        image=image_name,
                        thumbnail=thumb_name,
                        alt_text=product.name,
                    )
                )
            ProductImage.objects.bulk_create(images)
            bump_catalog_revision()  # bulk_create sends no signals
        created += len(batch)
        if progress:
            progress.update(len(batch))
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

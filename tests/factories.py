import io
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog import services
from catalog.models import Category, County, KeywordLanding, Prefecture, Product, Vendor
from catalog.promotions.shown_prices import refresh_shown_prices


class PrefectureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prefecture
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"prefecture-{n}")
    name_en = factory.Sequence(lambda n: f"Prefecture {n}")
    name_zh = factory.Sequence(lambda n: f"测试市{n}")


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = County
        django_get_or_create = ["slug"]

    prefecture = factory.SubFactory(PrefectureFactory)
    slug = factory.Sequence(lambda n: f"county-{n}")
    name_en = factory.Sequence(lambda n: f"Test County {n}")
    name_zh = factory.Sequence(lambda n: f"测试县{n}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"category-{n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")
    name_zh = factory.Sequence(lambda n: f"类别{n}")


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    name = factory.Sequence(lambda n: f"测试合作社{n}")
    name_en = factory.Sequence(lambda n: f"Test Co-operative {n}")
    slug = factory.Sequence(lambda n: f"vendor-{n}")
    kind = Vendor.Kind.COOPERATIVE
    county = factory.SubFactory(CountyFactory)
    status = Vendor.Status.APPROVED


class ProductFactory(factory.django.DjangoModelFactory):
    """A published product with its search document built, as the services save it."""

    class Meta:
        model = Product

    vendor = factory.SubFactory(VendorFactory)
    category = factory.SubFactory(CategoryFactory)
    origin_county = factory.SubFactory(CountyFactory)
    name = factory.Sequence(lambda n: f"测试产品{n}")
    name_en = factory.Sequence(lambda n: f"Test product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    description = ""
    price = Decimal("10.00")
    pack_size = "1 box"
    net_weight_g = 1000
    stock = 10
    status = Product.Status.PUBLISHED

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.save_product(model_class(*args, **kwargs))


class KeywordLandingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeywordLanding

    keyword = factory.Sequence(lambda n: f"keyword {n}")
    target = KeywordLanding.Target.ZONE


def image_bytes(fmt="JPEG", size=(64, 48), color=(240, 120, 20), **save_options):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt, **save_options)
    return buffer.getvalue()


def upload(name="photo.jpg", content=None, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content if content is not None else image_bytes(), content_type)


def add_photo(product, **kwargs):
    return services.add_product_photo(product, upload(), **kwargs)


def admin_product_form(product, *, photos=(), **changes):
    """What the admin's product change form posts, with `changes` and new `photos`."""
    data = {
        "vendor": product.vendor_id,
        "category": product.category_id,
        "origin_county": product.origin_county_id,
        "name": product.name,
        "name_en": product.name_en,
        "slug": product.slug,
        "description": product.description,
        "price": str(product.price),
        "pack_size": product.pack_size,
        "net_weight_g": str(product.net_weight_g),
        "stock": str(product.stock),
        "origin_label": product.origin_label,
        "status": product.status,
        "images-TOTAL_FORMS": str(len(photos)),
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
    }
    for i, photo in enumerate(photos):
        data.update(
            {
                f"images-{i}-upload": photo,
                f"images-{i}-alt_text": "",
                f"images-{i}-position": str(i),
            }
        )
    return {**data, **changes}


def running_promotion(*products, kind="percent_off", value="10", **fields):
    """A promotion running now (one day either side) on `products`."""
    from datetime import timedelta

    from django.utils import timezone

    from catalog.models import Promotion

    now = timezone.now()
    fields = {
        "name": "限时促销",
        "slug": f"promo-{Promotion.objects.count() + 1}",
        "starts_at": now - timedelta(days=1),
        "ends_at": now + timedelta(days=1),
        **fields,
    }
    promotion = Promotion.objects.create(kind=kind, value=Decimal(value), **fields)
    promotion.products.add(*products)
    refresh_shown_prices()  # as the admin does once it is saved
    return promotion


def make_shop(user_model, name="zigui", status=Vendor.Status.APPROVED):
    """(owner, vendor): an owner with an email, of a shop named after `name`."""
    from catalog.models import VendorMember

    owner = user_model.objects.create_user(f"{name}-owner", email=f"{name}@example.cn")
    vendor = VendorFactory(status=status, name=f"{name}合作社")
    VendorMember.objects.create(vendor=vendor, user=owner, role=VendorMember.Role.OWNER)
    return owner, vendor


def vendor_product_form(**changes):
    """The fields of a valid new product on the vendor's product form (Zigui oranges)."""
    return {
        "name": "秭归脐橙",
        "name_en": "Zigui oranges",
        "category": Category.objects.get(slug="citrus").pk,
        "origin_county": County.objects.get(slug="zigui").pk,
        "price": "69.90",
        "pack_size": "5 kg box",
        "net_weight_g": "5000",
        "stock": "40",
        **changes,
    }

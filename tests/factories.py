"""Factories for the suite's models, app by app, and a few helpers built on them.

Users are made as `create_user` makes them (no password unless given: an unusable one).
Nothing here sets `stream=` on a cart item or an order line: where an order comes from
is the checkout's business (tests place such orders through the services).
"""

import io
import uuid
from datetime import timedelta
from decimal import Decimal

import factory
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from catalog import services
from catalog.models import (
    Category,
    County,
    KeywordLanding,
    Prefecture,
    Product,
    Vendor,
    VendorMember,
)
from catalog.promotions.shown_prices import refresh_shown_prices
from livestream.models import FeaturedProduct, LiveStream
from orders.impact.models import Pledge
from orders.models import Address, Cart, CartItem, Order, OrderEvent, OrderLine, OrderPart
from orders.shipping.models import FreightRate, FreightTemplate


class UserFactory(factory.django.DjangoModelFactory):
    """A user as `create_user` makes one: `password` hashed if given, else unusable."""

    class Meta:
        model = settings.AUTH_USER_MODEL

    username = factory.Sequence(lambda n: f"user-{n}")
    email = ""
    password = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        manager = cls._get_manager(model_class)
        username = kwargs.pop("username")
        return manager.create_user(username, *args, **kwargs)


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


class VendorMemberFactory(factory.django.DjangoModelFactory):
    """A user of a shop: its owner unless `role` says otherwise."""

    class Meta:
        model = VendorMember

    vendor = factory.SubFactory(VendorFactory)
    user = factory.SubFactory(UserFactory)
    role = VendorMember.Role.OWNER


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
    owner = user_model.objects.create_user(f"{name}-owner", email=f"{name}@example.cn")
    vendor = VendorFactory(status=status, name=f"{name}合作社")
    VendorMemberFactory(vendor=vendor, user=owner)
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


# orders


class AddressFactory(factory.django.DjangoModelFactory):
    """A delivery address in Wuhan (张三, 解放大道 1 号): give the fields a test reads."""

    class Meta:
        model = Address

    user = factory.SubFactory(UserFactory)
    recipient = "张三"
    mobile = "13912345678"
    province = "湖北省"
    city = "武汉市"
    district = "江汉区"
    street = "解放大道 1 号"
    is_default = False


class ShopperFactory(UserFactory):
    """A user with one delivery address (`address__<field>` to change it)."""

    class Meta:
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"shopper-{n}")
    address = factory.RelatedFactory(AddressFactory, factory_related_name="user")


class CartFactory(factory.django.DjangoModelFactory):
    """A signed-in shopper's cart (`user=None, session_key=…` for a visitor's)."""

    class Meta:
        model = Cart

    user = factory.SubFactory(UserFactory)
    session_key = None


class CartItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CartItem

    cart = factory.SubFactory(CartFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1


class OrderFactory(factory.django.DjangoModelFactory):
    """An order written directly, not checked out: no cart, no stock or flash-sale units
    taken, no messages. `lines=[(product, quantity), ...]` (default: one unit of a new
    product) become one OrderPart per vendor and one OrderLine each at the product's
    price, with its names and origin copied; the parts' and the order's totals and
    weights add up, and its "placed" event is written. It waits for its bank transfer
    (placed, so nothing of it counts on the impact board yet: confirm it through the
    services). For an order as a shopper places it (promotions, stream prices, stock,
    cash on delivery confirmed at once), use the checkout service."""

    class Meta:
        model = Order

    shopper = factory.SubFactory(UserFactory)
    status = Order.Status.PLACED
    payment_method = Order.PaymentMethod.BANK_TRANSFER
    address = factory.LazyAttribute(
        lambda order: AddressFactory.build(user=order.shopper).snapshot()
    )
    mobile = factory.LazyAttribute(lambda order: order.address["mobile"])
    total = Decimal("0.00")  # from the lines
    weight_g = 0  # from the lines
    idempotency_key = factory.LazyFunction(lambda: uuid.uuid4().hex)

    @classmethod
    def _create(cls, model_class, *args, lines=None, **kwargs):
        lines = [(ProductFactory(), 1)] if lines is None else list(lines)
        parts, order_lines = {}, []
        for product, quantity in lines:
            part = parts.setdefault(
                product.vendor_id,
                OrderPart(vendor_id=product.vendor_id, subtotal=Decimal("0.00"), weight_g=0),
            )
            line = OrderLine(
                part=part,
                product=product,
                **OrderLine.snapshot_of(product),
                unit_price=product.price,
                quantity=quantity,
                line_total=product.price * quantity,
                weight_g=product.net_weight_g * quantity,
                category_id=product.category_id,
                origin_county_id=product.origin_county_id,
            )
            part.subtotal += line.line_total
            part.weight_g += line.weight_g
            order_lines.append(line)
        kwargs["total"] = sum((p.subtotal for p in parts.values()), Decimal("0.00"))
        kwargs["weight_g"] = sum(p.weight_g for p in parts.values())
        order = super()._create(model_class, *args, **kwargs)
        for part in parts.values():
            part.order = order
        OrderPart.objects.bulk_create(parts.values())
        OrderLine.objects.bulk_create(order_lines)
        OrderEvent.objects.create(order=order, to_status=Order.Status.PLACED, by=order.shopper)
        return order


class PledgeFactory(factory.django.DjangoModelFactory):
    """A public pledge on the whole market, in tons, running this week."""

    class Meta:
        model = Pledge

    pledger = "专区"
    title = factory.Sequence(lambda n: f"承诺{n}")
    measure = Pledge.Measure.TONS
    target = Decimal("1")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=3))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=3))


class FreightTemplateFactory(factory.django.DjangoModelFactory):
    """A shop's template by weight, with no rate (give them with FreightRateFactory); not
    the default unless `is_default=True`. Call refresh_card_flags for the cards' flags."""

    class Meta:
        model = FreightTemplate

    vendor = factory.SubFactory(VendorFactory)
    name = factory.Sequence(lambda n: f"运费模板{n}")
    basis = FreightTemplate.Basis.WEIGHT
    cold_chain = False
    not_served = factory.LazyFunction(list)
    is_default = False


class FreightRateFactory(factory.django.DjangoModelFactory):
    """To Hubei: the first kilogram ¥8, each further kilogram begun ¥2."""

    class Meta:
        model = FreightRate

    template = factory.SubFactory(FreightTemplateFactory)
    group = "hubei"
    first_units = 1000
    first_fee = Decimal("8.00")
    extra_fee = Decimal("2.00")
    free_over = None
    free_under_g = None


# livestream


class LiveStreamFactory(factory.django.DjangoModelFactory):
    """A stream live now (it began an hour ago and ends in two), hosted by a vice-mayor
    of Qianjiang."""

    class Meta:
        model = LiveStream

    title = "潜江小龙虾直播间"
    slug = factory.Sequence(lambda n: f"live-{n}")
    host_name = "副市长"
    host_title = "潜江市副市长"
    county = factory.SubFactory(CountyFactory)
    scheduled_start = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    scheduled_end = factory.LazyAttribute(
        lambda stream: stream.scheduled_start + timedelta(hours=3)
    )
    state = LiveStream.State.LIVE


class FeaturedProductFactory(factory.django.DjangoModelFactory):
    """A product on a stream, at its normal price unless `stream_price` is given."""

    class Meta:
        model = FeaturedProduct

    stream = factory.SubFactory(LiveStreamFactory)
    product = factory.SubFactory(ProductFactory)
    position = 0
    stream_price = None

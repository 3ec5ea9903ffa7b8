"""A shop's freight templates: saving, the default, which products use which, and the
listing cards' 包邮 flags that follow from them.

Each service locks the shop's row first, so two members saving templates at once cannot
both make "the first template" the default, and ends by rewriting the cards' flags
(refresh_card_flags) in the same transaction.
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from catalog.models import Product, Vendor
from catalog.page_cache import bump_catalog_revision
from core.db import lock_row
from orders.shipping.fees import ships_free_on_cards
from orders.shipping.models import FreightRate, FreightTemplate, ProductFreight
from orders.shipping.provinces import Group, is_province

NAME_TAKEN = _("You already have a template called “%(name)s”.")
NO_RATE = _("Tick at least one destination you deliver to.")
NOT_A_PROVINCE = _("“%(province)s” is not a province we deliver to.")
NOT_YOUR_PRODUCT = _("Only your shop's products can be sent under your templates.")
DEFAULT_IN_USE = _(
    "This is your default template: make another template the default first, then delete this one."
)
RATE_FIELDS = ("first_units", "first_fee", "extra_fee", "free_over", "free_under_g")


def refresh_card_flags(vendor: Vendor) -> None:
    """Rewrite what the shop's listing cards say about shipping: Vendor.ships_free from
    its default template (no template: free), Product.ships_free for each product sent
    under a template of its own (None for the others: as the shop's default). Cached
    pages render again. Call it in the transaction of any change to the shop's templates,
    their rates or their products."""
    templates = list(vendor.freight_templates.prefetch_related("rates"))
    default = next((t for t in templates if t.is_default), None)
    Vendor.objects.filter(pk=vendor.pk).update(ships_free=ships_free_on_cards(default))
    Product.objects.filter(vendor=vendor).exclude(ships_free=None).update(ships_free=None)
    for template in templates:
        if template.is_default:
            continue
        own = ProductFreight.objects.filter(template=template).values("product_id")
        Product.objects.filter(pk__in=own).update(ships_free=ships_free_on_cards(template))
    bump_catalog_revision()


def _check(
    vendor: Vendor,
    template: FreightTemplate | None,
    name: str,
    not_served: Iterable[str],
    rates: Mapping[str, Mapping[str, Any]],
    products: Iterable[Product] | None,
) -> None:
    taken = FreightTemplate.objects.filter(vendor=vendor, name=name)
    if template is not None:
        taken = taken.exclude(pk=template.pk)
    if taken.exists():
        raise ValidationError(NAME_TAKEN, code="name_taken", params={"name": name})
    if not rates or not set(rates) <= set(Group.values):
        raise ValidationError(NO_RATE, code="no_rate")
    for province in not_served:
        if not is_province(province):
            raise ValidationError(
                NOT_A_PROVINCE, code="not_a_province", params={"province": province}
            )
    if products is not None and any(product.vendor_id != vendor.pk for product in products):
        raise ValidationError(NOT_YOUR_PRODUCT, code="not_your_product")


def save_template(
    vendor: Vendor,
    *,
    template: FreightTemplate | None = None,
    name: str,
    basis: str = FreightTemplate.Basis.WEIGHT,
    cold_chain: bool = False,
    not_served: Iterable[str] = (),
    rates: Mapping[str, Mapping[str, Any]],
    products: Iterable[Product] | None = None,
    by: AbstractBaseUser | None = None,
) -> FreightTemplate:
    """Create (template=None) or change one of the shop's templates.

    `rates`: group -> {first_units, first_fee, extra_fee, free_over, free_under_g}; they
    replace the template's rates (a group left out is no longer delivered to).
    `products`: the shop's products sent under this template, moved to it from any other
    (None: leave the links as they are; ignored on the default template, which every other
    product uses). The shop's first template becomes its default. `by` is the member who
    saved it. Raises ValidationError (NAME_TAKEN, NO_RATE, NOT_A_PROVINCE,
    NOT_YOUR_PRODUCT) with nothing written."""
    name = name.strip()
    not_served = sorted(set(not_served))
    products = list(products) if products is not None else None
    with transaction.atomic():
        lock_row(Vendor, vendor.pk)
        if template is not None:
            template = lock_row(FreightTemplate, template.pk)
            if template.vendor_id != vendor.pk:
                raise FreightTemplate.DoesNotExist
        _check(vendor, template, name, not_served, rates, products)
        if template is None:
            first = not FreightTemplate.objects.filter(vendor=vendor).exists()
            template = FreightTemplate(vendor=vendor, is_default=first)
        template.name, template.basis, template.cold_chain = name, basis, cold_chain
        template.not_served = not_served
        template.save()
        template.rates.all().delete()
        FreightRate.objects.bulk_create(
            FreightRate(
                template=template,
                group=group,
                **{field: values.get(field) for field in RATE_FIELDS if field != "extra_fee"},
                extra_fee=values.get("extra_fee") or Decimal("0"),
            )
            for group, values in sorted(rates.items(), key=lambda item: Group.values.index(item[0]))
        )
        if products is not None and not template.is_default:
            _link_products(template, products)
        refresh_card_flags(vendor)
    return template


def _link_products(template: FreightTemplate, products: list[Product]) -> None:
    """Exactly `products` use the template: moved from any other, the rest to the
    default."""
    ids = {product.pk for product in products}
    ProductFreight.objects.filter(template=template).exclude(product_id__in=ids).delete()
    ProductFreight.objects.filter(product_id__in=ids).exclude(template=template).delete()
    linked = set(
        ProductFreight.objects.filter(template=template).values_list("product_id", flat=True)
    )
    ProductFreight.objects.bulk_create(
        ProductFreight(product_id=pk, template=template) for pk in sorted(ids - linked)
    )


def make_default(template: FreightTemplate) -> FreightTemplate:
    """Make the template its shop's default: the products that were sent under it alone
    are now sent under it as the default, like every product without a template of its
    own."""
    with transaction.atomic():
        vendor = lock_row(Vendor, template.vendor_id)
        template = lock_row(FreightTemplate, template.pk)
        if not template.is_default:
            FreightTemplate.objects.filter(vendor=vendor, is_default=True).update(is_default=False)
            ProductFreight.objects.filter(template=template).delete()
            template.is_default = True
            template.save(update_fields=["is_default", "updated_at"])
        refresh_card_flags(vendor)
    return template


def delete_template(template: FreightTemplate) -> None:
    """Delete the template; its products go back to the shop's default. The default is
    refused while the shop has other templates (DEFAULT_IN_USE); the only template may
    go, and the shop then ships free everywhere."""
    with transaction.atomic():
        vendor = lock_row(Vendor, template.vendor_id)
        template = lock_row(FreightTemplate, template.pk)
        if (
            template.is_default
            and FreightTemplate.objects.filter(vendor=vendor).exclude(pk=template.pk).exists()
        ):
            raise ValidationError(DEFAULT_IN_USE, code="default_in_use")
        template.delete()  # its ProductFreight rows go with it (CASCADE)
        refresh_card_flags(vendor)

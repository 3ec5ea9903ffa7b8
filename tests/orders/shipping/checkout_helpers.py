"""Freight templates for the checkout's tests, made with the ORM: a shop's default
template with a rate per destination group, and a product's own (cold chain)."""

from decimal import Decimal

from orders.shipping.models import FreightRate, FreightTemplate, ProductFreight
from orders.shipping.provinces import Group

ALL_GROUPS = (Group.HUBEI, Group.NEIGHBOURS, Group.MAINLAND, Group.REMOTE)


def template(vendor, *, name="标准快递", default=True, cold_chain=False, not_served=(), **rates):
    """A template of `vendor`; `rates`: group -> (first_units, first_fee, extra_fee,
    free_over or None). Without rates: ¥8 for the first kg and ¥2 per further kg
    everywhere, free from ¥99."""
    template = FreightTemplate.objects.create(
        vendor=vendor,
        name=name,
        is_default=default,
        cold_chain=cold_chain,
        not_served=list(not_served),
    )
    rates = rates or {group: (1000, "8.00", "2.00", "99.00") for group in ALL_GROUPS}
    FreightRate.objects.bulk_create(
        FreightRate(
            template=template,
            group=group,
            first_units=first_units,
            first_fee=Decimal(first_fee),
            extra_fee=Decimal(extra_fee),
            free_over=Decimal(free_over) if free_over else None,
        )
        for group, (first_units, first_fee, extra_fee, free_over) in rates.items()
    )
    return template


def cold_chain(product, *, fee="25.00", groups=(Group.HUBEI, Group.NEIGHBOURS, Group.MAINLAND)):
    """`product` sent by its shop's cold chain: ¥`fee` a parcel, not to remote regions."""
    chilled = template(
        product.vendor,
        name="冷链",
        default=False,
        cold_chain=True,
        **{group: (1000, fee, "0", None) for group in groups},
    )
    ProductFreight.objects.create(product=product, template=chilled)
    return chilled


def set_first_fee(template, fee):
    """The shop edits its template: every group's first fee is now `fee`."""
    template.rates.update(first_fee=Decimal(fee))

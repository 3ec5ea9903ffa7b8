"""Freight templates for the shopper's pages' tests, made with the ORM (the shop's
dashboard has its own tests)."""

from decimal import Decimal

from orders.shipping.models import FreightRate, FreightTemplate, ProductFreight
from orders.shipping.provinces import Group


def freight_template(vendor, *, rates=None, default=True, products=(), **fields):
    """A template of `vendor` with `rates` {group: dict(first_units, first_fee,
    extra_fee, free_over, free_under_g)}; by default ¥12 for the first 5 kg and ¥3 per
    further kg everywhere but the remote regions, free from ¥99. `products` use it
    instead of the shop's default."""
    if rates is None:
        standard = {"first_units": 5000, "first_fee": "12", "extra_fee": "3", "free_over": "99"}
        rates = {Group.HUBEI: standard, Group.NEIGHBOURS: standard, Group.MAINLAND: standard}
    fields.setdefault("name", f"template {FreightTemplate.objects.count() + 1}")
    template = FreightTemplate.objects.create(vendor=vendor, is_default=default, **fields)
    for group, rate in rates.items():
        rate = dict(rate)
        for money in ("first_fee", "extra_fee", "free_over"):
            if rate.get(money) is not None:
                rate[money] = Decimal(rate[money])
        FreightRate.objects.create(template=template, group=group, **rate)
    for product in products:
        ProductFreight.objects.create(product=product, template=template)
    return template

"""Freight templates (运费模板) for the demo shops, and the fresh categories' days to
confirm receipt, so the demo store shows the fees a shopper would have paid in 2020.

Prices are what a Hubei county shop paid its courier then, passed on to the shopper:
ZTO or Yunda from the county, 首重 1 kg and each further kilogram begun, a little more to
the neighbouring provinces and the rest of the mainland, much more to the remote regions;
SF's cold chain for live crayfish and fish (not to the remote regions, nor across the
strait to Hainan). Every shop has a default template; oranges in 10 kg boxes, fruit,
crayfish and fish, eggs, tea and hot dry noodles have templates of their own.

Idempotent, as the rest of the demo: a template is created only when its shop has none
of that name (the default only when the shop has no default), and a product is linked
to its template only when it has no template of its own, so a vendor's edits stay.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from catalog.models import Category, Product, Vendor
from orders.shipping.models import FreightRate, FreightTemplate, ProductFreight
from orders.shipping.provinces import Group
from orders.shipping.services import templates as template_services

WEIGHT = FreightTemplate.Basis.WEIGHT
ITEM = FreightTemplate.Basis.ITEM
KG = 1000

# Fresh goods are confirmed received sooner than AUTO_CONFIRM_DAYS after shipment: a
# shopper notices a box of dead crayfish or mouldy oranges within days. Dry goods (tea,
# rice, noodles, fungus…) keep the store's default.
RECEIPT_DAYS = {
    "crayfish": 5,
    "freshwater-fish": 5,
    "citrus": 7,
    "eggs": 7,
    "lotus-root": 7,
}


@dataclass(frozen=True)
class Rate:
    group: str
    first_units: int  # grams, or items
    first_fee: str
    extra_fee: str
    free_over: str | None = None  # 满 ¥x 包邮
    free_under_g: int | None = None


@dataclass(frozen=True)
class DemoTemplate:
    name: str
    basis: str
    rates: tuple[Rate, ...]
    cold_chain: bool = False
    not_served: tuple[str, ...] = ()


H, N, M, R = Group.HUBEI, Group.NEIGHBOURS, Group.MAINLAND, Group.REMOTE

# ZTO/Yunda from the county: Hubei ¥6 + ¥1/kg, 满 ¥59 包邮; neighbours ¥8 + ¥3, 满 ¥99;
# the rest of the mainland ¥10 + ¥4, 满 ¥149; remote ¥20 + ¥12, never free.
DEFAULT = DemoTemplate(
    "默认运费（中通/韵达）",
    WEIGHT,
    (
        Rate(H, KG, "6", "1", free_over="59"),
        Rate(N, KG, "8", "3", free_over="99"),
        Rate(M, KG, "10", "4", free_over="149"),
        Rate(R, KG, "20", "12"),
    ),
)
# The platform's own store: 全场包邮 (偏远地区除外), as the big flagship stores did.
FREE_EXCEPT_REMOTE = DemoTemplate(
    "全场包邮（偏远地区除外）",
    WEIGHT,
    (
        Rate(H, KG, "0", "0"),
        Rate(N, KG, "0", "0"),
        Rate(M, KG, "0", "0"),
        Rate(R, KG, "18", "10"),
    ),
)
# 10 kg boxes of navel oranges, by the box: free but to the remote regions.
ORANGES_10KG = DemoTemplate(
    "脐橙 10kg 整箱包邮（偏远除外）",
    ITEM,
    (
        Rate(H, 1, "0", "0"),
        Rate(N, 1, "0", "0"),
        Rate(M, 1, "0", "0"),
        Rate(R, 1, "30", "25"),
    ),
)
# Smaller fruit boxes (5 kg, 2.5 kg): by weight, free nearby from one box.
FRUIT = DemoTemplate(
    "鲜果 产地直发",
    WEIGHT,
    (
        Rate(H, KG, "6", "1", free_over="39"),
        Rate(N, KG, "8", "2", free_over="49"),
        Rate(M, KG, "10", "4", free_over="99"),
        Rate(R, KG, "22", "12"),
    ),
)
# Live crayfish and fish: SF cold chain with ice packs, within about 48 hours, so not to
# the remote regions (no rate) nor to Hainan.
COLD_CHAIN = DemoTemplate(
    "生鲜冷链（顺丰）",
    WEIGHT,
    (
        Rate(H, KG, "15", "5", free_over="199"),
        Rate(N, KG, "18", "6"),
        Rate(M, KG, "23", "10"),
    ),
    cold_chain=True,
    not_served=("海南省",),
)
# Eggs: packed in foam trays, by the box, 满 ¥99 包邮 in Hubei and next door.
EGGS = DemoTemplate(
    "禽蛋 防震包装（按件）",
    ITEM,
    (
        Rate(H, 1, "8", "4", free_over="99"),
        Rate(N, 1, "10", "5", free_over="99"),
        Rate(M, 1, "12", "6"),
        Rate(R, 1, "25", "15"),
    ),
)
# Tea is light: free up to 1 kg, or from ¥99, everywhere but the remote regions.
TEA = DemoTemplate(
    "茶叶 轻小件",
    WEIGHT,
    (
        Rate(H, KG, "6", "1", free_over="99", free_under_g=KG),
        Rate(N, KG, "8", "3", free_over="99", free_under_g=KG),
        Rate(M, KG, "10", "4", free_over="99", free_under_g=KG),
        Rate(R, KG, "18", "10", free_over="299"),
    ),
)
# Hot dry noodles: gift boxes, free from a couple of boxes.
NOODLES = DemoTemplate(
    "热干面 满额包邮",
    WEIGHT,
    (
        Rate(H, KG, "5", "1", free_over="39"),
        Rate(N, KG, "8", "2", free_over="59"),
        Rate(M, KG, "10", "4", free_over="89"),
        Rate(R, KG, "20", "10"),
    ),
)
OWN_DEFAULTS = {"hubei-official": FREE_EXCEPT_REMOTE}


def template_for_product(category_slug: str, net_weight_g: int) -> DemoTemplate | None:
    """The template a demo product ships under, None for its shop's default."""
    if category_slug == "citrus":
        return ORANGES_10KG if net_weight_g >= 10 * KG else FRUIT
    return {
        "crayfish": COLD_CHAIN,
        "freshwater-fish": COLD_CHAIN,
        "eggs": EGGS,
        "tea": TEA,
        "hot-dry-noodles": NOODLES,
    }.get(category_slug)


def _template(vendor_id: int, spec: DemoTemplate, *, is_default: bool) -> FreightTemplate:
    template = FreightTemplate(
        vendor_id=vendor_id,
        name=spec.name,
        basis=spec.basis,
        cold_chain=spec.cold_chain,
        not_served=list(spec.not_served),
        is_default=is_default,
    )
    template.spec = spec
    return template


def _rates(templates: Iterable[FreightTemplate]) -> list[FreightRate]:
    return [
        FreightRate(
            template=template,
            group=rate.group,
            first_units=rate.first_units,
            first_fee=Decimal(rate.first_fee),
            extra_fee=Decimal(rate.extra_fee),
            free_over=Decimal(rate.free_over) if rate.free_over else None,
            free_under_g=rate.free_under_g,
        )
        for template in templates
        for rate in template.spec.rates
    ]


def seed_freight(vendors: dict[str, Vendor]) -> tuple[int, int]:
    """The demo shops' templates and their products' links, where missing; then the
    listing cards' 包邮 flags of the shops that changed. Returns (templates, links) new."""
    by_pk = {vendor.pk: vendor for vendor in vendors.values()}
    slug_of = {vendor.pk: slug for slug, vendor in vendors.items()}
    products = Product.objects.filter(vendor__in=list(by_pk)).values_list(
        "pk", "vendor_id", "category__slug", "net_weight_g"
    )
    wanted = {}  # product pk -> (vendor pk, template spec)
    for pk, vendor_id, category_slug, weight in products:
        spec = template_for_product(category_slug, weight)
        if spec is not None:
            wanted[pk] = (vendor_id, spec)
    with transaction.atomic():
        existing = {
            (t.vendor_id, t.name): t for t in FreightTemplate.objects.filter(vendor__in=list(by_pk))
        }
        with_default = {vendor_id for (vendor_id, _), t in existing.items() if t.is_default}
        new = []
        for vendor_id in by_pk:
            spec = OWN_DEFAULTS.get(slug_of[vendor_id], DEFAULT)
            if vendor_id not in with_default and (vendor_id, spec.name) not in existing:
                new.append(_template(vendor_id, spec, is_default=True))
        for vendor_id, spec in dict.fromkeys(wanted.values()):
            if (vendor_id, spec.name) not in existing:
                new.append(_template(vendor_id, spec, is_default=False))
        FreightTemplate.objects.bulk_create(new)
        FreightRate.objects.bulk_create(_rates(new), batch_size=1000)
        existing.update({(t.vendor_id, t.name): t for t in new})
        linked = set(
            ProductFreight.objects.filter(template__vendor__in=list(by_pk)).values_list(
                "product_id", flat=True
            )
        )
        links = [
            ProductFreight(product_id=pk, template=existing[(vendor_id, spec.name)])
            for pk, (vendor_id, spec) in wanted.items()
            if pk not in linked
        ]
        ProductFreight.objects.bulk_create(links, batch_size=1000)
        changed = {t.vendor_id for t in new} | {link.template.vendor_id for link in links}
        for vendor_id in sorted(changed):
            template_services.refresh_card_flags(by_pk[vendor_id])
    return len(new), len(links)


def seed_receipt_days() -> int:
    """Fewer days to confirm receipt for the fresh categories that have none set (a day
    count staff chose stays). Returns how many categories were set."""
    updated = 0
    for slug, days in RECEIPT_DAYS.items():
        updated += Category.objects.filter(slug=slug, auto_confirm_days=None).update(
            auto_confirm_days=days
        )
    return updated

"""The fee arithmetic, with no queries: a parcel, a template and a province in, a Quote
out. Callers read the templates first (orders/shipping/selectors.py), with their rates
prefetched.

A shop's part of an order travels as one parcel per template: the products sent under
the shop's default template together, a product with a template of its own (crayfish by
cold chain) apart. The part's fee is the sum of its parcels' fees.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from orders.shipping.models import FreightRate, FreightTemplate
from orders.shipping.provinces import Group, group_of

ZERO = Decimal("0")
# A parcel dearer than this to send is refused rather than quoted (a heavy enough parcel
# under a rate per kilogram would pass what an order can hold).
MAX_PARCEL_FEE = Decimal("99999.99")
KILOGRAM = 1000
# The groups a listing card's 包邮 speaks for: as on Taobao, free shipping "except remote
# regions".
CARD_GROUPS = (Group.HUBEI, Group.NEIGHBOURS, Group.MAINLAND)


@dataclass(frozen=True)
class Parcel:
    """What goes in one box: its weight, how many items, what its goods cost."""

    weight_g: int
    units: int
    amount: Decimal


@dataclass(frozen=True)
class Quote:
    """What a parcel costs to send to a province under a template (None: the shop has no
    template, so it ships free)."""

    template: FreightTemplate | None
    province: str
    served: bool
    fee: Decimal
    # The group's free-shipping threshold (满 ¥99 包邮) and what is missing to reach it
    # (再买 ¥x 包邮): None when there is none, or the parcel ships free already.
    free_over: Decimal | None = None
    gap: Decimal | None = None
    free_under_g: int | None = None
    # Not sent because it would cost more than MAX_PARCEL_FEE (served is False).
    too_heavy: bool = False

    @property
    def is_free(self) -> bool:
        return self.served and not self.fee

    @property
    def cold_chain(self) -> bool:
        return bool(self.template and self.template.cold_chain)


def rate_for(template: FreightTemplate, province: str) -> FreightRate | None:
    """The template's rate to the province (its prefetched rates), None where it does
    not deliver."""
    if province in (template.not_served or ()):
        return None
    group = group_of(province)
    return next((rate for rate in template.rates.all() if rate.group == group), None)


def charge(rate: FreightRate, basis: str, parcel: Parcel) -> Decimal:
    """The rate's fee for the parcel, before any free-shipping threshold: the first
    weight (or items), then each further kilogram begun (or item)."""
    if basis == FreightTemplate.Basis.ITEM:
        extra_steps = max(0, parcel.units - rate.first_units)
    else:
        over = max(0, parcel.weight_g - rate.first_units)
        extra_steps = -(-over // KILOGRAM)  # a kilogram begun is a kilogram
    return rate.first_fee + rate.extra_fee * extra_steps


def quote(template: FreightTemplate | None, province: str, parcel: Parcel) -> Quote:
    if template is None:
        return Quote(None, province, served=True, fee=ZERO)
    rate = rate_for(template, province)
    if rate is None:
        return Quote(template, province, served=False, fee=ZERO)
    fee = charge(rate, template.basis, parcel)
    if fee > MAX_PARCEL_FEE:
        return Quote(template, province, served=False, fee=ZERO, too_heavy=True)
    if rate.free_over is not None and parcel.amount >= rate.free_over:
        fee = ZERO
    if rate.free_under_g is not None and parcel.weight_g <= rate.free_under_g:
        fee = ZERO
    gap = (
        rate.free_over - parcel.amount
        if fee and rate.free_over is not None and parcel.amount < rate.free_over
        else None
    )
    return Quote(
        template,
        province,
        served=True,
        fee=fee,
        free_over=rate.free_over,
        gap=gap,
        free_under_g=rate.free_under_g,
    )


def ships_free_on_cards(template: FreightTemplate | None) -> bool:
    """Whether a listing card says 包邮 for products under this template: it charges
    nothing, whatever the weight, to Hubei, the neighbours and the rest of the mainland
    (remote regions aside). No template: the shop ships free."""
    if template is None:
        return True
    rates = {rate.group: rate for rate in template.rates.all()}
    return all(group in rates and rates[group].charges_nothing for group in CARD_GROUPS)


@dataclass
class Goods:
    """Part of a shop's parcel-to-be: a product, how many, what they cost, their weight."""

    product: Any  # catalog.models.Product
    units: int
    amount: Decimal
    weight_g: int


@dataclass
class ParcelQuote:
    template: FreightTemplate | None
    goods: list[Goods]
    quote: Quote


@dataclass
class PartQuote:
    """The shipping of one shop's part to a province: a quote per parcel, the fee, and
    the products the shop does not send there."""

    province: str
    parcels: list[ParcelQuote] = field(default_factory=list)

    @property
    def served(self) -> bool:
        return all(parcel.quote.served for parcel in self.parcels)

    @property
    def fee(self) -> Decimal:
        return sum((p.quote.fee for p in self.parcels if p.quote.served), ZERO)

    @property
    def not_served(self) -> list[Any]:
        """The products the shop does not deliver to the province."""
        return [goods.product for p in self.parcels if not p.quote.served for goods in p.goods]

    @property
    def too_heavy(self) -> list[Any]:
        """The products of `not_served` refused only for their parcel's weight."""
        return [goods.product for p in self.parcels if p.quote.too_heavy for goods in p.goods]

    @property
    def gaps(self) -> list[Decimal]:
        """再买 ¥x 包邮: what each parcel short of its free-shipping threshold is missing."""
        return [p.quote.gap for p in self.parcels if p.quote.gap is not None]

    @property
    def gap(self) -> Decimal | None:
        """The smallest of `gaps` (None: nothing to reach)."""
        return min(self.gaps, default=None)

    @property
    def cold_chain(self) -> bool:
        return any(p.quote.cold_chain for p in self.parcels)


def quote_part(
    goods: Iterable[Goods],
    templates: dict[int, FreightTemplate | None],
    province: str,
) -> PartQuote:
    """One shop's goods to the province: grouped into a parcel per template
    (`templates`: product id -> template, from selectors.templates_for), each quoted."""
    by_template: dict[int | None, list[Goods]] = {}
    template_of: dict[int | None, FreightTemplate | None] = {}
    for item in goods:
        template = templates.get(item.product.pk)
        key = template.pk if template is not None else None
        by_template.setdefault(key, []).append(item)
        template_of[key] = template
    part = PartQuote(province)
    for key, items in by_template.items():
        parcel = Parcel(
            weight_g=sum(i.weight_g for i in items),
            units=sum(i.units for i in items),
            amount=sum((i.amount for i in items), ZERO),
        )
        part.parcels.append(
            ParcelQuote(template_of[key], items, quote(template_of[key], province, parcel))
        )
    return part

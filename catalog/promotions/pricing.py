"""The one place a price is computed: the pricing entry point.

Every price goes through `quote`: pages call `apply_prices` (a page of products at once)
or `price_for`, and the cart and checkout `checkout.price_lines`, which prices each
portion of a cart item with `quote` (see catalog/promotions/__init__.py for the whole
public API). So a promotion changes the price everywhere at the same moment.

Promotions are read from a *schedule*: every promotion that has not ended and starts
within HORIZON of a time slot, with its scope as sets of ids, built in two queries and
cached with the catalog revision (any change to a promotion, or a flash sale selling
out, bumps it). Whether a promotion applies is decided by comparing its start and end
with the moment asked about, in Python, so boundaries are exact to the microsecond no
matter how old the cached schedule is, and pricing a page adds no query per product.

Overlaps: the best single discount wins, never stacked (ties go to the promotion that
started first). A flash sale whose cap is reached no longer applies.
"""

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db.models import CharField, Value
from django.utils import timezone

from catalog.models import Product
from catalog.promotions.models import Promotion, unit_discount
from catalog.revision import cached_value, catalog_revision
from core.names import in_shoppers_language

HORIZON = timedelta(hours=12)
# A promotion's scope: its many-to-many field, and the model each link points at.
SCOPE_FIELDS = {
    "products": "product",
    "categories": "category",
    "vendors": "vendor",
    "counties": "county",
}
SLOT = HORIZON / 2  # a schedule built for a slot covers any moment in it


@dataclass(frozen=True)
class ScheduledPromotion:
    pk: int
    slug: str
    name: str
    name_en: str
    kind: str
    value: Decimal
    starts_at: datetime
    ends_at: datetime
    units_cap: int | None
    units_sold: int
    per_shopper_limit: int | None
    product_ids: frozenset[int]
    category_ids: frozenset[int]
    vendor_ids: frozenset[int]
    county_ids: frozenset[int]

    @property
    def display_name(self) -> str:
        return in_shoppers_language(self.name, self.name_en)

    @property
    def sold_out(self) -> bool:
        return self.units_cap is not None and self.units_sold >= self.units_cap

    def running_at(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at and not self.sold_out

    def covers(self, product: Product) -> bool:
        return (
            product.pk in self.product_ids
            or product.category_id in self.category_ids
            or product.vendor_id in self.vendor_ids
            or product.origin_county_id in self.county_ids
        )


@dataclass(frozen=True)
class Price:
    """What one unit of a product costs at a moment, and why."""

    amount: Decimal
    list_price: Decimal
    promotion: ScheduledPromotion | None = None
    channel: str = ""  # bought from this sales channel's page (its sales; "": web store)

    @property
    def discount(self) -> Decimal:
        return self.list_price - self.amount


def _slot_start(at: datetime) -> datetime:
    epoch = at.timestamp() // SLOT.total_seconds() * SLOT.total_seconds()
    return datetime.fromtimestamp(epoch, tz=UTC)


def _build_schedule(slot_start: datetime) -> list[ScheduledPromotion]:
    """Two queries: the promotions, and all their scopes at once (a UNION ALL of the four
    link tables)."""
    promotions = list(
        Promotion.objects.filter(ends_at__gt=slot_start, starts_at__lt=slot_start + HORIZON).only(
            "pk",
            "slug",
            "name",
            "name_en",
            "kind",
            "value",
            "starts_at",
            "ends_at",
            "units_cap",
            "units_sold",
            "per_shopper_limit",
        )
    )
    scopes: dict[tuple[int, str], set[int]] = {
        (p.pk, kind): set() for p in promotions for kind in SCOPE_FIELDS
    }
    if promotions:
        ids = [p.pk for p in promotions]
        parts = [
            getattr(Promotion, relation)
            .through.objects.filter(promotion_id__in=ids)
            .annotate(kind=Value(relation, output_field=CharField()))
            .values_list("promotion_id", f"{target}_id", "kind")
            for relation, target in SCOPE_FIELDS.items()
        ]
        for promotion_id, target_id, kind in parts[0].union(*parts[1:], all=True):
            scopes[(promotion_id, kind)].add(target_id)
    return [
        ScheduledPromotion(
            p.pk,
            p.slug,
            p.name,
            p.name_en,
            p.kind,
            p.value,
            p.starts_at,
            p.ends_at,
            p.units_cap,
            p.units_sold,
            p.per_shopper_limit,
            *(frozenset(scopes[(p.pk, kind)]) for kind in SCOPE_FIELDS),
        )
        for p in promotions
    ]


class Schedule(list):
    """The scheduled promotions, indexed by what they cover, so pricing a product looks
    at the few promotions that may reach it rather than at all of them."""

    def __init__(self, promotions: Iterable[ScheduledPromotion]) -> None:
        super().__init__(promotions)
        self.by_scope: dict[tuple[str, int], list[ScheduledPromotion]] = {}
        for promotion in promotions:
            for scope, ids in (
                ("product", promotion.product_ids),
                ("category", promotion.category_ids),
                ("vendor", promotion.vendor_ids),
                ("county", promotion.county_ids),
            ):
                for pk in ids:
                    self.by_scope.setdefault((scope, pk), []).append(promotion)

    def candidates(self, product: Product) -> list[ScheduledPromotion]:
        found: list[ScheduledPromotion] = []
        for key in (
            ("product", product.pk),
            ("category", product.category_id),
            ("vendor", product.vendor_id),
            ("county", product.origin_county_id),
        ):
            found += self.by_scope.get(key, ())
        return found


# Per process: the schedules last read, by (slot, catalog revision), so a busy worker
# does not fetch and unpickle them from the cache on every request. A few are kept, so
# pricing a coming sale's start (a later slot) does not push out the slot of now.
_recent: dict[tuple[datetime, str], Schedule] = {}
RECENT_SCHEDULES = 4


def schedule_at(at: datetime) -> Schedule:
    """The promotions that may apply at `at` (cached until the catalog changes)."""
    slot = _slot_start(at)
    key = (slot, catalog_revision())
    schedule = _recent.get(key)
    if schedule is None:
        schedule = Schedule(
            cached_value(f"promotion-schedule:{slot.isoformat()}", lambda: _build_schedule(slot))
        )
        while len(_recent) >= RECENT_SCHEDULES:
            del _recent[next(iter(_recent))]  # the oldest read
        _recent[key] = schedule
    return schedule


def next_boundary(
    after: datetime, schedule: Sequence[ScheduledPromotion] | None = None
) -> datetime | None:
    """The first start or end of a promotion after `after` (None if none is scheduled in
    the horizon): a cached page must be rendered again then."""
    schedule = schedule_at(after) if schedule is None else schedule
    moments = [m for p in schedule for m in (p.starts_at, p.ends_at) if m > after]
    return min(moments, default=None)


def quote(
    product: Product,
    at: datetime | None = None,
    schedule: Sequence[ScheduledPromotion] | None = None,
    exclude: Collection[int] = (),
    channel_price: tuple[Decimal | None, str] | None = None,
) -> Price:
    """The Price of one unit of `product` at `at` (default now), leaving out the
    promotions whose ids are in `exclude` (a flash sale without enough units left, a
    shopper's used-up allowance: see checkout.py). `channel_price` is (amount or None,
    channel) for a purchase from a sales channel's page that sells the product (a live
    stream's, catalog/promotions/channel_prices.py): its price applies when it is lower
    than the best promotion's, and the channel is named either way."""
    at = at or timezone.now()
    schedule = schedule_at(at) if schedule is None else schedule
    best, best_discount = None, Decimal("0")
    candidates = schedule.candidates(product) if isinstance(schedule, Schedule) else schedule
    for promotion in candidates:
        if promotion.pk in exclude or not (promotion.running_at(at) and promotion.covers(product)):
            continue
        discount = unit_discount(promotion.kind, promotion.value, product.price)
        if discount > best_discount:
            best, best_discount = promotion, discount
    if channel_price is None:
        return Price(product.price - best_discount, product.price, best)
    amount, channel = channel_price
    if amount is not None and amount < product.price - best_discount:
        return Price(amount, product.price, None, channel)
    return Price(product.price - best_discount, product.price, best, channel)


# `context`: a sales channel, from an app above catalog (none exists yet), hence `object`.
def price_for(product: Product, at: datetime | None = None, context: object = None) -> Decimal:
    """The unit price in CNY a shopper pays for `product` at `at`.

    `context` is a channel with its own prices (a livestream); none exists yet."""
    return quote(product, at).amount


def apply_prices(
    products: list[Product], at: datetime | None = None, context: object = None
) -> list[Product]:
    """Set `current_price` and `promotion` on each product of a page, at one moment for
    all of them, from one schedule (no query per product)."""
    at = at or timezone.now()
    schedule = schedule_at(at)
    for product in products:
        price = quote(product, at, schedule)
        product.current_price, product.promotion = price.amount, price.promotion
    return products

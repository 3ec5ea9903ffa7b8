"""The price on the card, stored on the product so listings sort and filter by it in SQL.

`Product.promoted_price` is what `pricing.quote` gives a product now when a promotion
lowers it (the best single promotion covering it by product, category, vendor or
county; a sold-out flash sale no longer counts), and empty when the list price shows.
Cards still price themselves with `pricing.apply_prices`, exact to the moment; this
column is the sort key, rewritten by one set-based UPDATE:

- by the promotion sweep (every minute from beat, and at each boundary it sees coming:
  catalog/promotions/tasks.py), which recomputes every product whose stored price may be off, so
  a sweep missed while the worker was down is caught up by the next one;
- when staff save or delete a promotion, a flash sale sells out or gets units back,
  and a product's list price changes.

At a promotion's start or end the cards change on the dot, and the sort when the sweep
queued for that moment runs (a beat sweep less than a minute before queues it). A
promotion saved less than a minute before it starts, or a worker that is down, leaves
the sort behind the cards until the next sweep: one beat interval (60 s), or until the
worker is back.

The discount is computed in whole fen, as `models.unit_discount` does, so the
column and the card agree to the fen on SQLite (floating point) and PostgreSQL alike.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import Combinable, Expression
from django.db.models.functions import Cast, Coalesce, Greatest, Round
from django.db.models.lookups import Exact, GreaterThan
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from catalog.models import Product, Promotion
from catalog.promotions.pricing import SCOPE_FIELDS
from catalog.revision import bump_catalog_revision, bump_products

# The product's field each kind of scope link matches (as ScheduledPromotion.covers does).
PRODUCT_FIELD = {
    "product": "pk",
    "category": "category_id",
    "vendor": "vendor_id",
    "county": "origin_county_id",
}
NO_DISCOUNT = -1  # compares unequal to any stored price, and to "no promoted price"


def _fen(expression: Combinable) -> Cast:
    return Cast(Round(expression * 100), IntegerField())


class _FenToYuan(models.Func):
    output_field = models.DecimalField(max_digits=10, decimal_places=2)

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Sequence[Any]]:
        return super().as_sql(
            compiler, connection, template="CAST(%(expressions)s AS numeric) / 100", **extra
        )

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Sequence[Any]]:
        # A real division: SQLite stores the decimal as the nearest double, and so does this.
        return super().as_sql(compiler, connection, template="(%(expressions)s) / 100.0", **extra)


def running_promotions(at: datetime) -> QuerySet[Promotion]:
    return Promotion.objects.filter(starts_at__lte=at, ends_at__gt=at).filter(
        Q(units_cap__isnull=True) | Q(units_sold__lt=F("units_cap"))
    )


def in_scope_of(promotions: QuerySet[Promotion] | int) -> Q:
    """Products any of `promotions` (a Promotion queryset, or one id) covers: uncorrelated
    subqueries, read once per statement, not once per product."""
    if isinstance(promotions, int):
        promotions = {"promotion_id": promotions}
    else:
        promotions = {"promotion__in": promotions}
    return Q(
        *(
            Q(
                **{
                    f"{PRODUCT_FIELD[target]}__in": getattr(Promotion, relation)
                    .through.objects.filter(**promotions)
                    .values(f"{target}_id")
                }
            )
            for relation, target in SCOPE_FIELDS.items()
        ),
        _connector=Q.OR,
    )


def _covering(products: QuerySet[Product]) -> Q:
    """Promotions whose scope covers any of `products` (the inverse of `in_scope_of`)."""
    return Q(
        *(
            Q(
                pk__in=getattr(Promotion, relation)
                .through.objects.filter(
                    **{f"{target}_id__in": products.values(PRODUCT_FIELD[target])}
                )
                .values("promotion_id")
            )
            for relation, target in SCOPE_FIELDS.items()
        ),
        _connector=Q.OR,
    )


def _discount_in_fen(kind: str, value: Decimal, price: Combinable) -> Combinable:
    """`unit_discount` in fen, for the `price` expression (fen)."""
    if kind == Promotion.Kind.PERCENT_OFF:  # whole percent, rounded half up to the fen
        return (price * Value(int(value)) + Value(50)) / Value(100)
    value = int((value * 100).to_integral_value())
    discount = Value(value) if kind == Promotion.Kind.AMOUNT_OFF else price - Value(value)
    return Case(
        When(GreaterThan(price, value), then=discount),
        default=Value(0),
        output_field=IntegerField(),
    )


def _promoted_price(promotions: Iterable[tuple[int, str, Decimal]]) -> Expression:
    """What the card says when a promotion lowers the price, else NULL: the largest
    discount among `promotions` (kind, value and pk, all running) covering the product."""
    price = _fen(F("price"))
    discounts = [
        Case(
            When(in_scope_of(pk), then=_discount_in_fen(kind, value, price)),
            default=Value(0),
            output_field=IntegerField(),
        )
        for pk, kind, value in promotions
    ]
    if not discounts:
        return Value(None, output_field=Product._meta.get_field("promoted_price"))
    best = Greatest(Value(0), *discounts, output_field=IntegerField())
    return Case(
        When(GreaterThan(best, 0), then=_FenToYuan(price - best)),
        default=Value(None),
        output_field=Product._meta.get_field("promoted_price"),
    )


# Up to this many products repriced make stale only the pages showing them (and every
# listing); more, every cached page.
NARROWLY_BUMPED = 500


def refresh_shown_prices(
    products: QuerySet[Product] | None = None, *, at: datetime | None = None
) -> int:
    """Rewrite `promoted_price` where it is not what a card shows at `at` (default now):
    for `products` (a queryset), or for every product it may be off for (those with a
    promoted price, and those a running promotion covers). One UPDATE; returns how many
    products changed, and makes cached pages render again when any did: those showing
    the `products` given, every page after a sweep."""
    at = at or timezone.now()
    sweep = products is None
    if sweep:
        products = Product.objects.filter(
            Q(promoted_price__isnull=False) | in_scope_of(running_promotions(at))
        )
    running = running_promotions(at)
    if not sweep:  # only those covering the products given: a small expression
        running = running.filter(_covering(products))
    new = _promoted_price(list(running.values_list("pk", "kind", "value")))
    field = Product._meta.get_field("promoted_price")
    off = products.exclude(
        Exact(
            Coalesce(F("promoted_price"), Value(NO_DISCOUNT), output_field=field),
            Coalesce(new, Value(NO_DISCOUNT), output_field=field),
        )
    )
    changed = off.update(promoted_price=new)
    if not changed:
        return 0
    # A few products (one just saved): the pages showing them, and the listings sorted or
    # filtered by price.
    ids = [] if sweep else list(products.values_list("pk", flat=True)[: NARROWLY_BUMPED + 1])
    if sweep or len(ids) > NARROWLY_BUMPED:
        bump_catalog_revision()
    else:
        bump_products(ids, listings=False, prices=True)
    return changed


def refresh_after_commit(products: QuerySet[Product] | None = None) -> None:
    """`refresh_shown_prices(products)` once the surrounding transaction commits, outside
    it (its UPDATE locks every product in a promotion's scope, which a checkout must not
    hold). A failure is logged, not raised: the next sweep repairs the prices."""
    transaction.on_commit(lambda: refresh_shown_prices(products), robust=True)

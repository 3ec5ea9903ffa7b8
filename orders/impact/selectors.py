"""What the impact board and the vendor dashboard read: the daily rollups, never the
order lines, so the cost is the same at 1,000 orders and at 1,000,000 order lines (a
fixed number of queries over a few rows per day; tests/orders/test_impact_board.py)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, Sum
from django.utils import timezone

from catalog.models import Category, County, Vendor
from orders.impact import charts as impact_charts
from orders.impact.models import DailySales, Dimension, Pledge

SERIES_DAYS = 60
RANKED_COUNTIES = 15
BOARD_CACHE_KEY = "hubei:impact-board:v1"
MEASURES = (
    "orders",
    "units",
    "weight_g",
    "revenue_fen",
    "stream_orders",
    "stream_weight_g",
    "stream_revenue_fen",
)


@dataclass
class Figures:
    """Sums of DailySales measures, with what the page shows of them."""

    orders: int = 0
    units: int = 0
    weight_g: int = 0
    revenue_fen: int = 0
    stream_orders: int = 0
    stream_weight_g: int = 0
    stream_revenue_fen: int = 0
    day: date | None = None
    subject: Category | County | None = None  # the category or county of a ranked row

    @classmethod
    def of(cls, row: Mapping[str, Any], **extra: Any) -> "Figures":
        return cls(**{m: row.get(m) or 0 for m in MEASURES}, **extra)

    @property
    def tons(self) -> Decimal:
        return Decimal(self.weight_g) / 1_000_000

    @property
    def revenue(self) -> Decimal:
        return Decimal(self.revenue_fen) / 100

    @property
    def stream_tons(self) -> Decimal:
        return Decimal(self.stream_weight_g) / 1_000_000

    @property
    def stream_weight_percent(self) -> float:
        return round(self.stream_weight_g * 100 / self.weight_g, 1) if self.weight_g else 0.0

    @property
    def stream_orders_percent(self) -> float:
        return round(self.stream_orders * 100 / self.orders, 1) if self.orders else 0.0


@dataclass
class ImpactBoard:
    totals: Figures
    series: list[Figures]
    columns: list
    axis_top: Decimal
    ticks: list
    by_category: list
    by_county: list
    pledges: list[Pledge]
    first_day: date
    last_day: date
    computed_at: datetime = field(default_factory=timezone.now)


def _sums() -> dict[str, Sum]:
    return {m: Sum(m) for m in MEASURES}


def _ranked(
    dimension: str, model: type[Category] | type[County], limit: int | None = None
) -> list[Figures]:
    rows = list(
        DailySales.objects.filter(dimension=dimension)
        .values("key")
        .annotate(**_sums())
        .order_by("-weight_g", "key")[:limit]
    )
    queryset = model.objects.all()
    if model is County:
        queryset = queryset.select_related("prefecture")
    subjects = queryset.in_bulk([row["key"] for row in rows])
    return [
        Figures.of(row, subject=subjects[row["key"]])
        for row in rows
        if row["key"] in subjects and row["weight_g"]
    ]


def build_board(today: date | None = None) -> ImpactBoard:
    """The whole board from the rollups in 7 queries."""
    today = today or timezone.localdate()
    first_day = today - timedelta(days=SERIES_DAYS - 1)
    store = DailySales.objects.filter(dimension=Dimension.ALL, key=0)
    totals = Figures.of(store.aggregate(**_sums()))
    by_day = {
        row["day"]: row
        for row in store.filter(day__gte=first_day, day__lte=today).values("day", *MEASURES)
    }
    series = [
        Figures.of(by_day.get(first_day + timedelta(days=n), {}), day=first_day + timedelta(days=n))
        for n in range(SERIES_DAYS)
    ]
    columns, axis_top, ticks = impact_charts.daily_columns(
        series, lambda f: f.tons, lambda f: f.stream_tons
    )
    by_category = impact_charts.ranked_bars(
        _ranked(Dimension.CATEGORY, Category), lambda f: f.weight_g, limit=50
    )
    by_county = impact_charts.ranked_bars(
        _ranked(Dimension.COUNTY, County, RANKED_COUNTIES),
        lambda f: f.weight_g,
        limit=RANKED_COUNTIES,
    )
    pledges = list(
        Pledge.objects.filter(is_public=True)
        .with_progress()
        .select_related("category", "county", "vendor")
    )
    return ImpactBoard(
        totals=totals,
        series=series,
        columns=columns,
        axis_top=axis_top,
        ticks=ticks,
        by_category=by_category,
        by_county=by_county,
        pledges=pledges,
        first_day=first_day,
        last_day=today,
    )


def impact_board() -> ImpactBoard:
    """The board, shared by every visitor for IMPACT_CACHE_SECONDS (the figures are live
    to within that)."""
    board = cache.get(BOARD_CACHE_KEY)
    if board is None or board.last_day != timezone.localdate():
        board = build_board()
        cache.set(BOARD_CACHE_KEY, board, settings.IMPACT_CACHE_SECONDS)
    return board


def vendor_contribution(vendor: Vendor) -> tuple[Figures, Figures]:
    """(the vendor's figures, the whole store's) since the first sale: one query."""
    rows = {
        row["dimension"]: row
        for row in DailySales.objects.filter(
            Q(dimension=Dimension.VENDOR, key=vendor.pk) | Q(dimension=Dimension.ALL, key=0)
        )
        .values("dimension")
        .annotate(**_sums())
        .order_by()
    }
    return (Figures.of(rows.get(Dimension.VENDOR, {})), Figures.of(rows.get(Dimension.ALL, {})))

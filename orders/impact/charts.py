"""Geometry of the impact board's SVG charts, computed on the server so the charts are
plain markup: readable without JavaScript, printable, and the same in both languages
(labels are translated in the templates)."""

from dataclasses import dataclass
from decimal import Decimal

# The daily chart's SVG coordinates; it stretches to the page's width (its labels are
# HTML around it, so they keep their size on a phone).
COLUMN_WIDTH, COLUMN_HEIGHT = 600, 200
PLOT_LEFT, PLOT_TOP, PLOT_BOTTOM = 0, 4, 0


@dataclass
class Column:
    x: float
    y: float
    width: float
    height: float
    stream_y: float
    stream_height: float
    day: object
    value: object
    stream_value: object


def nice_ceiling(value):
    """(top, intervals): 1, 2, 4 or 5 times a power of ten, at least `value`, and how many
    equal steps make round ticks up to it (0.25, 0.5, 1 or 1 times the power)."""
    if value <= 0:
        return Decimal(1), 4
    value = Decimal(value)
    power = Decimal(10) ** (value.adjusted())
    for step, intervals in ((1, 4), (2, 4), (4, 4), (5, 5), (10, 4)):
        if value <= step * power:
            return step * power, intervals
    return 10 * power, 4


def daily_columns(series, value_of, stream_value_of):
    """Columns for a daily series (oldest first): each day's total, and inside it the
    part sold through livestreams. Returns (columns, axis top, ticks)."""
    top, intervals = nice_ceiling(max((value_of(d) for d in series), default=0))
    plot_width = COLUMN_WIDTH - PLOT_LEFT
    plot_height = COLUMN_HEIGHT - PLOT_TOP - PLOT_BOTTOM
    step = plot_width / max(len(series), 1)
    columns = []
    for index, day in enumerate(series):
        value, stream_value = value_of(day), stream_value_of(day)
        height = float(Decimal(value) / top) * plot_height
        stream_height = float(Decimal(stream_value) / top) * plot_height
        base = PLOT_TOP + plot_height
        columns.append(
            Column(
                x=round(PLOT_LEFT + index * step + step * 0.1, 2),
                width=round(step * 0.8, 2),
                y=round(base - height, 2),
                height=round(height, 2),
                stream_y=round(base - stream_height, 2),
                stream_height=round(stream_height, 2),
                day=day.day,
                value=value,
                stream_value=stream_value,
            )
        )
    ticks = [
        {"value": top * n / intervals, "y": round(PLOT_TOP + plot_height * (1 - n / intervals), 2)}
        for n in range(intervals + 1)
    ]
    return columns, top, ticks


def ranked_bars(rows, value_of, limit):
    """The first `limit` rows (already ranked) with each bar's length in per cent of the
    largest."""
    rows = rows[:limit]
    largest = max((value_of(r) for r in rows), default=0) or 1
    for row in rows:
        row.bar_percent = round(float(Decimal(value_of(row)) / Decimal(largest)) * 100, 2)
    return rows

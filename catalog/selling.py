"""How many of a product have sold, as cards show it (已售 5,000+): exact below a
hundred, then rounded down the way Taobao and JD print it, so the figure on a cached
page only changes when the rounded label does."""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _


def rounded_units(units: int, chinese: bool) -> str:
    """The count part of the label: 37, 100+, 5,000+, and in Chinese 1万+ from 10,000."""
    if units < 100:
        return f"{units:,}"
    if chinese and units >= 10_000:
        tens_of_thousands = units // 10_000
        return f"{tens_of_thousands:,}万+"
    if units < 1_000:
        return f"{units // 100 * 100:,}+"
    if units < 10_000:
        return f"{units // 1_000 * 1_000:,}+"
    return f"{units // 10_000 * 10_000:,}+"


def sold_label(units: int | None, language: str | None = None) -> str:
    """The whole phrase ("已售 5,000+", "5,000+ sold"), or "" when nothing has sold."""
    if not units or units < 0:
        return ""
    if language is None:
        language = get_language() or "zh-hans"
    count = rounded_units(units, chinese=language.lower().startswith("zh"))
    return _("%(count)s sold") % {"count": count}


def sold_label_changed(before: int, after: int) -> bool:
    """Whether a card's label moves from `before` units to `after` (in either language):
    a cached page only needs rebuilding then."""
    return any(
        rounded_units(before, chinese) != rounded_units(after, chinese) for chinese in (True, False)
    ) or ((before > 0) != (after > 0))

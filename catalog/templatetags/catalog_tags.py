from decimal import Decimal

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.selling import sold_label

register = template.Library()


@register.filter
def cny(amount):
    """¥1,234.50 — a Decimal amount in yuan, always with two decimals; a negative one
    -¥5.99, its sign before the currency (as statements and JD's bills print it)."""
    if amount in (None, ""):
        return ""
    amount = Decimal(amount)
    return f"-¥{-amount:,.2f}" if amount < 0 else f"¥{amount:,.2f}"


@register.filter
def grams(weight_g):
    """A net weight for shoppers: 500 g, 2.5 kg."""
    if weight_g in (None, ""):
        return ""
    weight_g = int(weight_g)
    if weight_g < 1000:
        return _("%(grams)s g") % {"grams": weight_g}
    kilograms = f"{weight_g / 1000:.2f}".rstrip("0").rstrip(".")
    return _("%(kilograms)s kg") % {"kilograms": kilograms}


@register.filter
def tons(amount):
    """Tons for the impact board: 0.35 t, 12.4 t, 1,250 t."""
    if amount in (None, ""):
        return ""
    amount = Decimal(amount)
    places = 2 if amount < 10 else 1 if amount < 1000 else 0
    return _("%(tons)s t") % {"tons": f"{amount:,.{places}f}"}


@register.filter
def offer(promotion):
    """What a promotion gives, in a few words: 20% off, ¥8 off, special price ¥29.90.
    A promotion, or a message's {"kind": ..., "value": "8.00"}."""
    if isinstance(promotion, dict):
        kind, value = promotion["kind"], Decimal(promotion["value"])
    else:
        kind, value = promotion.kind, promotion.value
    if kind == "percent_off":
        return _("%(percent)s%% off") % {"percent": f"{value:.0f}"}
    if kind == "amount_off":
        return _("%(amount)s off") % {"amount": cny(value)}
    return _("special price %(amount)s") % {"amount": cny(value)}


@register.filter
def countdown(moment):
    """A <time> counting down to `moment` (static/js/countdown.js), as HTML that a
    translated sentence can hold: `{% blocktranslate with left=moment|countdown %}`."""
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    html = render_to_string("catalog/partials/countdown.html", {"moment": moment})
    return mark_safe(html.strip())  # noqa: S308 (a template's output, escaped there)


@register.filter
def sold(units):
    """已售 5,000+ / 5,000+ sold for a product's units_sold; "" when none has sold."""
    return sold_label(units)


@register.filter
def reviews_count(count):
    """1,203 条评价 / 1,203 reviews for a product's rating_count; "" when it has none."""
    if not count or count < 0:
        return ""
    return ngettext("%(count)s review", "%(count)s reviews", count) % {"count": f"{count:,}"}


@register.filter
def thousands(number):
    """10,000: a count with its thousands separated."""
    return f"{number:,}"

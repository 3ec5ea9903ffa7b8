"""Freight templates in words, for the shop dashboard: a rate as a line of its table
("湖北: 首重 1 kg ¥8.00, 续重 ¥2.00/kg, 满 ¥99.00 包邮") and a previewed fee with the rule
that made it."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.templatetags.catalog_tags import cny, grams
from orders.shipping import fees
from orders.shipping.fees import Parcel, Quote
from orders.shipping.models import FreightRate, FreightTemplate
from orders.shipping.provinces import Group, display_name, group_of


def rate_phrases(rate: FreightRate, basis: str) -> list[str]:
    """What the rate charges, phrase by phrase."""
    if rate.charges_nothing:
        return [_("free shipping")]
    if basis == FreightTemplate.Basis.ITEM:
        phrases = [
            ngettext(
                "first %(count)s item %(fee)s", "first %(count)s items %(fee)s", rate.first_units
            )
            % {"count": rate.first_units, "fee": cny(rate.first_fee)}
        ]
        if rate.extra_fee:
            phrases.append(_("%(fee)s per further item") % {"fee": cny(rate.extra_fee)})
    else:
        phrases = [
            _("first %(weight)s %(fee)s")
            % {"weight": grams(rate.first_units), "fee": cny(rate.first_fee)}
        ]
        if rate.extra_fee:
            phrases.append(_("%(fee)s per further kg") % {"fee": cny(rate.extra_fee)})
    if rate.free_over is not None:
        phrases.append(_("free from %(amount)s") % {"amount": cny(rate.free_over)})
    if rate.free_under_g is not None:
        phrases.append(_("free up to %(weight)s") % {"weight": grams(rate.free_under_g)})
    return phrases


@dataclass
class RateRow:
    group: str
    label: str
    text: str | None  # None: not delivered there


def rate_rows(template: FreightTemplate) -> list[RateRow]:
    """One row per destination group, from the template's prefetched rates."""
    rates = {rate.group: rate for rate in template.rates.all()}
    return [
        RateRow(
            value,
            str(label),
            ", ".join(rate_phrases(rates[value], template.basis)) if value in rates else None,
        )
        for value, label in Group.choices
    ]


def not_served_names(template: FreightTemplate) -> list[str]:
    return [display_name(province) for province in template.not_served or ()]


@dataclass
class Preview:
    quote: Quote
    rule: str
    gap_text: str = ""


def preview(template: FreightTemplate, province: str, parcel: Parcel) -> Preview:
    """What the parcel costs to the province under the template, and why."""
    quote = fees.quote(template, province, parcel)
    where = display_name(province)
    rate = fees.rate_for(template, province)
    if rate is None:
        if province in (template.not_served or ()):
            rule = _("Not delivered to %(province)s: it is among the provinces not served.")
        else:
            rule = _("Not delivered to %(province)s: no price for %(group)s.")
        return Preview(quote, rule % {"province": where, "group": Group(group_of(province)).label})
    if rate.charges_nothing:
        return Preview(quote, _("Free shipping to %(province)s.") % {"province": where})
    if rate.free_over is not None and parcel.amount >= rate.free_over:
        return Preview(
            quote,
            _("Free shipping: the goods cost %(amount)s, at least %(threshold)s.")
            % {"amount": cny(parcel.amount), "threshold": cny(rate.free_over)},
        )
    if rate.free_under_g is not None and parcel.weight_g <= rate.free_under_g:
        return Preview(
            quote,
            _("Free shipping: the parcel weighs %(weight)s, at most %(limit)s.")
            % {"weight": grams(parcel.weight_g), "limit": grams(rate.free_under_g)},
        )
    steps = (quote.fee - rate.first_fee) / rate.extra_fee if rate.extra_fee else Decimal(0)
    first = " · ".join(rate_phrases(rate, template.basis)[:1])
    if steps:
        further = (
            ngettext("%(count)s further item", "%(count)s further items", int(steps))
            if template.basis == FreightTemplate.Basis.ITEM
            else ngettext("%(count)s further kg", "%(count)s further kg", int(steps))
        ) % {"count": int(steps)}
        rule = _("%(fee)s to %(province)s: %(first)s + %(further)s × %(extra)s.") % {
            "fee": cny(quote.fee),
            "province": where,
            "first": first,
            "further": further,
            "extra": cny(rate.extra_fee),
        }
    else:
        rule = _("%(fee)s to %(province)s: %(first)s.") % {
            "fee": cny(quote.fee),
            "province": where,
            "first": first,
        }
    gap_text = _("Add %(gap)s of goods for free shipping.") % {"gap": cny(quote.gap)}
    return Preview(quote, rule, gap_text if quote.gap is not None else "")

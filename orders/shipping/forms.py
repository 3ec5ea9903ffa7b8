"""The shop dashboard's forms for freight templates: the template itself, one rate row per
destination group, and the fee preview.

`TemplateForms` ties the template form and its four rate rows together, so a view checks
and reads them as one. The forms only check what a person typed; the service
(services/templates.py) checks the rules across rows again before it writes.
"""

from decimal import Decimal

from django import forms
from django.core.validators import MinValueValidator
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from catalog.models import Product, Vendor
from catalog.validators import refuse_control_characters
from orders.shipping import provinces
from orders.shipping.models import MAX_RATE_FEE, FreightRate, FreightTemplate, ProductFreight
from orders.shipping.provinces import Group
from orders.shipping.services.templates import NAME_TAKEN, NO_RATE

NEEDS_FIRST = _("Give the first weight (or items) and its fee, or untick this destination.")
FEE_DECIMALS = _("Give the fee in yuan with at most 2 decimals, e.g. 8 or 12.50.")


def province_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The provinces by destination group, each by its short name (广东; Guangdong in
    English)."""
    return [
        (
            capfirst(label),
            [(name, provinces.display_name(name)) for name in provinces.provinces_in(value)],
        )
        for value, label in Group.choices
    ]


class ProductChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, product):
        return product.display_name


def money_field(label, *, required=False, minimum="0", maximum=None):
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal(minimum),
        max_value=maximum,
        max_digits=8,
        decimal_places=2,
        error_messages={"max_decimal_places": FEE_DECIMALS, "invalid": FEE_DECIMALS},
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )


class TemplateForm(forms.ModelForm):
    """A template's name, basis, cold chain, provinces not served and (not on the default
    template) the shop's products sent under it."""

    not_served = forms.MultipleChoiceField(
        label=_("Provinces not delivered to"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Even where their destination has a price."),
    )

    class Meta:
        model = FreightTemplate
        fields = ["name", "basis", "cold_chain"]
        help_texts = {
            "cold_chain": _("Parcels travel chilled: live crayfish, fresh eggs."),
        }

    def __init__(self, *args, vendor: Vendor, **kwargs):
        super().__init__(*args, **kwargs)
        self.vendor = vendor
        self.fields["not_served"].choices = province_choices()
        if self.instance.pk:
            self.initial["not_served"] = list(self.instance.not_served or [])
        if self.offers_products:
            self.fields["products"] = ProductChoiceField(
                label=_("Products sent under this template"),
                queryset=Product.objects.filter(vendor=vendor).order_by("name", "id"),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text=_("The others are sent under your default template."),
            )
            if self.instance.pk:
                self.initial["products"] = list(
                    ProductFreight.objects.filter(template=self.instance).values_list(
                        "product_id", flat=True
                    )
                )
        refuse_control_characters(self)

    @property
    def offers_products(self) -> bool:
        """Not on the default template (every other product uses it), nor on the shop's
        first one (it becomes the default)."""
        if self.instance.pk:
            return not self.instance.is_default
        return FreightTemplate.objects.filter(vendor=self.vendor).exists()

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        taken = FreightTemplate.objects.filter(vendor=self.vendor, name=name)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(NAME_TAKEN, code="name_taken", params={"name": name})
        return name


class RateForm(forms.Form):
    """What a template charges to one destination group (prefix: the group)."""

    deliver = forms.BooleanField(label=_("Deliver there"), required=False)
    first_units = forms.IntegerField(
        label=_("First weight (g) or items"),
        required=False,
        min_value=1,
        max_value=1_000_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    first_fee = money_field(_("First fee (¥)"), maximum=MAX_RATE_FEE)
    extra_fee = money_field(_("Each further kg or item (¥)"), maximum=MAX_RATE_FEE)
    free_over = money_field(_("Free shipping from (¥)"), minimum="0.01")
    free_under_g = forms.IntegerField(
        label=_("Free shipping up to (g)"),
        required=False,
        validators=[MinValueValidator(1)],
        max_value=1_000_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, group: str, **kwargs):
        super().__init__(*args, prefix=group, **kwargs)
        self.group = group
        self.label = Group(group).label

    def clean(self):
        data = super().clean()
        if data.get("deliver"):
            for name in ("first_units", "first_fee"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, forms.ValidationError(NEEDS_FIRST, code="needs_first"))
        return data

    @property
    def delivers(self) -> bool:
        return bool(self.is_bound and self.is_valid() and self.cleaned_data.get("deliver"))

    def rate_values(self) -> dict:
        data = self.cleaned_data
        return {
            "first_units": data["first_units"],
            "first_fee": data["first_fee"],
            "extra_fee": data.get("extra_fee") or Decimal("0"),
            "free_over": data.get("free_over"),
            "free_under_g": data.get("free_under_g"),
        }


def rate_initial(rate: FreightRate | None) -> dict:
    if rate is None:
        return {"deliver": False}
    return {
        "deliver": True,
        "first_units": rate.first_units,
        "first_fee": rate.first_fee,
        "extra_fee": rate.extra_fee,
        "free_over": rate.free_over,
        "free_under_g": rate.free_under_g,
    }


class TemplateForms:
    """The template form and its rate rows, checked together."""

    def __init__(self, vendor: Vendor, template: FreightTemplate | None = None, data=None):
        self.template = template
        self.form = TemplateForm(data, vendor=vendor, instance=template)
        existing = {rate.group: rate for rate in template.rates.all()} if template else {}
        self.rates = [
            RateForm(data, group=group, initial=rate_initial(existing.get(group)))
            for group in Group.values
        ]

    def is_valid(self) -> bool:
        valid = self.form.is_valid()
        valid = all([rate.is_valid() for rate in self.rates]) and valid
        if valid and not any(rate.cleaned_data.get("deliver") for rate in self.rates):
            self.form.add_error(None, forms.ValidationError(NO_RATE, code="no_rate"))
            valid = False
        return valid

    def values(self) -> dict:
        """The service's keyword arguments (after is_valid)."""
        data = self.form.cleaned_data
        return {
            "name": data["name"],
            "basis": data["basis"],
            "cold_chain": data["cold_chain"],
            "not_served": list(data["not_served"]),
            "rates": {
                rate.group: rate.rate_values()
                for rate in self.rates
                if rate.cleaned_data["deliver"]
            },
            "products": data["products"] if "products" in self.form.fields else None,
        }


class PreviewForm(forms.Form):
    """What a parcel would cost: its weight, its items, the goods' amount and where to."""

    weight_g = forms.IntegerField(
        label=_("Weight (g)"), min_value=1, max_value=1_000_000, initial=1000
    )
    units = forms.IntegerField(label=_("Number of items"), min_value=1, max_value=10_000, initial=1)
    amount = money_field(_("Goods amount (¥)"))
    province = forms.ChoiceField(label=_("Province"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = province_choices()

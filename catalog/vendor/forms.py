"""Forms of the vendor dashboard: applying, products, photos, stock, members."""

import re

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from catalog.images import limits_help_text
from catalog.models import Category, County, Product, Vendor
from catalog.services import PLATFORM_KIND_STAFF_ONLY
from catalog.validators import refuse_control_characters

MAX_PHOTOS = 8
MAINLAND_MOBILE = RegexValidator(
    r"^1[3-9]\d{9}$", _("Enter a mainland China mobile number: 11 digits starting with 1.")
)
# The 18-character unified social credit code on every Chinese business licence.
CREDIT_CODE = RegexValidator(
    r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$",
    _("Enter the 18-character unified social credit code from the business licence."),
)


def normalise_mobile(value):
    """Accept how people write it: "+86 138-1234-5678" -> "13812345678"."""
    digits = re.sub(r"[\s-]", "", value)
    digits = re.sub(r"^(\+?86)(?=1\d{10}$)", "", digits)
    MAINLAND_MOBILE(digits)
    return digits


class CountyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, county):
        return f"{county.prefecture.name} · {county.name}"


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos in one <input type=file multiple>; each is checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        files = data if isinstance(data, (list, tuple)) else [data]
        return [single(f, initial) for f in files if f]


def counties():
    return County.objects.select_related("prefecture").order_by("prefecture__position", "name_en")


class VendorApplicationForm(forms.ModelForm):
    county = CountyChoiceField(label=_("County"), queryset=County.objects.none())
    contact_phone = forms.CharField(
        label=_("Contact mobile"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    licence_number = forms.CharField(
        label=_("Business licence number"),
        max_length=18,
        min_length=18,
        help_text=_("The unified social credit code: 18 characters."),
    )
    photo = forms.FileField(
        label=_("A photo of your shop, farm or products"),
        help_text=limits_help_text,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    class Meta:
        model = Vendor
        fields = [
            "name",
            "name_en",
            "kind",
            "county",
            "contact_name",
            "contact_phone",
            "licence_number",
            "description",
        ]
        labels = {"name": _("Shop name"), "name_en": _("Shop name in English (optional)")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_control_characters(self)
        self.fields["county"].queryset = counties()
        # Not offered: the platform's own store is opened by staff, in the admin.
        self.fields["kind"].widget.choices = [
            choice for choice in self.fields["kind"].choices if choice[0] != Vendor.Kind.PLATFORM
        ]
        self.fields["contact_name"].required = True
        self.fields["description"].required = True
        if self.instance.pk and self.instance.photo:
            self.fields["photo"].required = False  # re-applying keeps the photo sent before

    def clean_kind(self):
        kind = self.cleaned_data["kind"]
        if kind == Vendor.Kind.PLATFORM:
            raise forms.ValidationError(PLATFORM_KIND_STAFF_ONLY, code="platform_kind")
        return kind

    def clean_contact_phone(self):
        return normalise_mobile(self.cleaned_data["contact_phone"])

    def clean_licence_number(self):
        code = self.cleaned_data["licence_number"].strip().upper()
        CREDIT_CODE(code)
        return code


class ProductForm(forms.ModelForm):
    """What a vendor edits. Stock is set once here when creating; later it only moves by
    adjustments (StockAdjustmentForm), so an edit never overwrites units sold meanwhile."""

    origin_county = CountyChoiceField(label=_("Origin county"), queryset=County.objects.none())
    photos = MultiplePhotoField(label=_("Add photos"))

    class Meta:
        model = Product
        fields = [
            "name",
            "name_en",
            "category",
            "origin_county",
            "price",
            "pack_size",
            "pack_size_en",
            "net_weight_g",
            "stock",
            "origin_label",
            "origin_label_en",
            "description",
            "description_en",
        ]
        widgets = {
            "price": forms.NumberInput(
                attrs={"inputmode": "decimal", "step": "0.01", "min": "0.01"}
            ),
            "net_weight_g": forms.NumberInput(attrs={"inputmode": "numeric", "min": "1"}),
            "stock": forms.NumberInput(attrs={"inputmode": "numeric", "min": "0"}),
        }

    def __init__(self, *args, vendor, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_control_characters(self)
        self.fields["origin_county"].queryset = counties()
        self.fields["category"].queryset = Category.objects.order_by("position", "pk")
        self.fields["category"].label_from_instance = lambda category: category.name
        self.fields["photos"].help_text = _("Up to %(count)s photos per product.") % {
            "count": MAX_PHOTOS
        }
        if not self.instance.pk:
            self.initial.setdefault("origin_county", None)
            self.initial["origin_county"] = self.initial["origin_county"] or vendor.county_id
        else:
            del self.fields["stock"]
        self.existing_photos = self.instance.images.count() if self.instance.pk else 0

    def clean_photos(self):
        photos = self.cleaned_data["photos"]
        if self.existing_photos + len(photos) > MAX_PHOTOS:
            raise forms.ValidationError(
                _(
                    "A product can have at most %(max)s photos; it has %(existing)s, and you "
                    "added %(added)s."
                ),
                code="too_many_photos",
                params={"max": MAX_PHOTOS, "existing": self.existing_photos, "added": len(photos)},
            )
        return photos


class StockAdjustmentForm(forms.Form):
    change = forms.IntegerField(
        label=_("Change stock by"),
        min_value=-99999,
        max_value=99999,
        help_text=_("Positive for units received, negative for units written off."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def clean_change(self):
        change = self.cleaned_data["change"]
        if change == 0:
            raise forms.ValidationError(_("Enter a change other than 0."), code="zero")
        return change


class AddMemberForm(forms.Form):
    user = forms.CharField(label=_("Username or email"), max_length=254)

    def clean_user(self):
        value = self.cleaned_data["user"].strip()
        users = get_user_model().objects.filter(is_active=True)
        user = users.filter(username=value).first() or users.filter(email__iexact=value).first()
        if user is None:
            raise forms.ValidationError(
                _("No account is called “%(value)s”. Ask them to sign up first."),
                code="no_such_user",
                params={"value": value},
            )
        return user


class ProductImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 or GB18030, at most 2 MB and 5,000 products."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

"""The shop's answers to an after-sales request, as the vendor dashboard posts them.

The forms only read what was typed (a number, a text without NUL bytes, within its
length); whether the answer may be given (the state, the amount asked) is the
services' to say (aftersales/services/shop.py)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.services.common import NOTE_LIMIT

ENTER_AN_AMOUNT = _("Enter the amount you offer, in yuan, for example 44.00.")
ADDRESS_NEEDED = _("Enter the address the shopper sends the goods back to.")
REFUSAL_NEEDED = _("Write why you refuse: the shopper reads it, and staff if they escalate.")


class ApproveForm(forms.Form):
    """Nothing to type: the button names the amount refunded."""


class ReceivedForm(forms.Form):
    """Nothing to type: the goods came back."""


class ApproveReturnForm(forms.Form):
    return_address = forms.CharField(
        label=pgettext_lazy("shop after-sales", "Return address"),
        max_length=300,
        help_text=_("Recipient, mobile and full address: the shopper sends the goods here."),
        error_messages={"required": ADDRESS_NEEDED},
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 300}),
    )


class OfferForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount you offer (CNY)"),
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        error_messages={"required": ENTER_AN_AMOUNT, "invalid": ENTER_AN_AMOUNT},
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0.01"}),
    )
    note = forms.CharField(
        label=_("Note to the shopper"),
        required=False,
        max_length=NOTE_LIMIT,
        help_text=_("For example: half the box arrived alive."),
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": NOTE_LIMIT}),
    )


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you refuse?"),
        label_suffix="",
        max_length=NOTE_LIMIT,
        error_messages={"required": REFUSAL_NEEDED},
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": NOTE_LIMIT}),
    )

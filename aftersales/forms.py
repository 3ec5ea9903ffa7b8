"""The shopper's after-sales forms. They only parse what was posted: the services
(aftersales/services) decide what is allowed and say why not."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from aftersales.models import MAX_PHOTOS, AfterSalesRequest
from aftersales.services.common import NOTE_LIMIT
from catalog.photo_fields import PHOTO_ERROR_CODES, MultiplePhotoField
from catalog.validators import refuse_control_characters
from orders.shipping.carriers import CHOOSE_CARRIER, carrier_choices

Kind = AfterSalesRequest.Kind
Reason = AfterSalesRequest.Reason

# The reasons that make sense for each kind of request.
REASONS_BY_KIND = {
    Kind.CANCEL_LINE: (Reason.NOT_NEEDED, Reason.OTHER),
    Kind.REFUND_ONLY: (
        Reason.SPOILED,
        Reason.DAMAGED,
        Reason.MISSING,
        Reason.WRONG_ITEM,
        Reason.OTHER,
    ),
    Kind.RETURN_REFUND: (
        Reason.SPOILED,
        Reason.DAMAGED,
        Reason.MISSING,
        Reason.WRONG_ITEM,
        Reason.NOT_AS_DESCRIBED,
        Reason.OTHER,
    ),
}
PHOTOS_HELP = _(
    "Up to %(most)s photos of what arrived (JPEG, PNG or WebP): needed when it came "
    "spoiled, broken or wrong."
)
REASON_NOT_FOR_KIND = _("Choose one of the reasons listed for a “%(kind)s”.")
# Where a service's refusal is shown, by its code (the rest above the form).
FIELD_OF_CODE = {
    **dict.fromkeys(PHOTO_ERROR_CODES, "photos"),
    "kind_not_now": "kind",
    "bad_reason": "reason",
    "bad_quantity": "quantity",
    "bad_amount": "amount",
    "note_too_long": "description",
    "photo_needed": "photos",
}


class RequestForm(forms.Form):
    """A request about one line: `kinds` are those its eligibility allows now,
    `most_units` its units not yet refunded."""

    kind = forms.ChoiceField(label=_("What do you need?"), widget=forms.RadioSelect)
    reason = forms.ChoiceField(label=_("Why?"))
    quantity = forms.IntegerField(
        label=_("How many units"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
    )
    amount = forms.DecimalField(
        label=_("Amount to refund (CNY)"),
        required=False,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0.01"}),
    )
    description = forms.CharField(
        label=_("What happened"),
        required=False,
        max_length=NOTE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": NOTE_LIMIT}),
    )
    photos = MultiplePhotoField(
        label=_("Photos"),
    )

    def __init__(self, *args, kinds, most_units, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_control_characters(self)
        self.fields["kind"].choices = [(kind, Kind(kind).label) for kind in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0]
        reasons = [reason for reason in Reason if any(reason in REASONS_BY_KIND[k] for k in kinds)]
        self.fields["reason"].choices = [("", "---------")] + [(r.value, r.label) for r in reasons]
        # The range is the service's to check (its message names the most).
        self.fields["quantity"].widget.attrs["max"] = most_units
        if kinds == [Kind.CANCEL_LINE]:  # always all it cost, nothing to show
            del self.fields["amount"]
            del self.fields["photos"]
        else:
            self.fields["photos"].help_text = PHOTOS_HELP % {"most": MAX_PHOTOS}

    def clean(self):
        cleaned = super().clean()
        kind, reason = cleaned.get("kind"), cleaned.get("reason")
        if kind and reason and reason not in REASONS_BY_KIND[kind]:
            self.add_error(
                "reason",
                ValidationError(
                    REASON_NOT_FOR_KIND, code="reason_for_kind", params={"kind": Kind(kind).label}
                ),
            )
        return cleaned

    def add_service_error(self, error: ValidationError) -> None:
        """Show a service's refusal by the field it is about (above the form else)."""
        for problem in error.error_list:
            field = FIELD_OF_CODE.get(problem.code)
            self.add_error(field if field in self.fields else None, problem)


class EscalateForm(forms.Form):
    note = forms.CharField(
        label=_("Why the shop's answer is not fair"),
        max_length=NOTE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_LIMIT}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_control_characters(self)


class ReturnForm(forms.Form):
    carrier = forms.ChoiceField(
        label=_("Carrier"), error_messages={"invalid_choice": CHOOSE_CARRIER}
    )
    tracking_number = forms.CharField(
        label=_("Tracking number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_control_characters(self)
        self.fields["carrier"].choices = [("", "---------"), *carrier_choices()]

    def add_service_error(self, error: ValidationError) -> None:
        for problem in error.error_list:
            field = {
                "carrier_needed": "carrier",
                "tracking_needed": "tracking_number",
                "tracking_format": "tracking_number",
            }.get(problem.code)
            self.add_error(field, problem)


class ConfirmForm(forms.Form):
    """The "yes" of a confirmation page."""

    confirm = forms.ChoiceField(choices=[("on", "on")], widget=forms.HiddenInput)

"""The forms of the staff's settlement pages. Each money-moving form is shown twice: to
fill in, then to confirm (`confirmed` set by the confirmation page's button)."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Vendor
from settlement.selectors import week_of
from settlement.services.booking import ADJUSTMENT_LIMIT, ADJUSTMENT_TOO_BIG

AMOUNT_ZERO = _("An adjustment moves money: enter an amount other than 0.")
PERIOD_BACKWARDS = _("The period ends before it starts.")
PERIOD_TOO_LONG = _("Choose a period of at most %(days)s days.")
PERIOD_OUT_OF_RANGE = _("Choose days from %(first)s to %(last)s.")
MAX_PERIOD_DAYS = 3660
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


class ConfirmedForm(forms.Form):
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # The confirmation page's one-time key: its button pressed twice moves money once.
    form_key = forms.CharField(required=False, max_length=36, widget=forms.HiddenInput)

    def confirmation_key(self) -> str:
        """The key the confirmation page carries: the one posted, else a new one."""
        posted = self.data.get("form_key", "") if self.is_bound else ""
        return posted if posted and len(posted) <= 36 else uuid.uuid4().hex


def _reason(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=help_text,
    )


class AdjustmentForm(ConfirmedForm):
    vendor = forms.ModelChoiceField(
        label=_("Shop"), queryset=Vendor.objects.order_by("name").only("name")
    )
    amount = forms.DecimalField(
        label=_("Amount (CNY)"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Positive credits the shop (a compensation); negative takes from it (a fine)."),
    )
    note = _reason(_("Reason"), _("The shop reads it on its statement."))

    def clean_amount(self) -> Decimal:
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise ValidationError(AMOUNT_ZERO, code="amount_zero")
        if abs(amount) > ADJUSTMENT_LIMIT:
            raise ValidationError(ADJUSTMENT_TOO_BIG, code="adjustment_too_big")
        return amount


class ReversalForm(ConfirmedForm):
    note = _reason(_("Reason"), _("Why this entry was a mistake; the shop reads it."))


class StatementForm(forms.Form):
    vendor = forms.ModelChoiceField(
        label=_("Shop"), queryset=Vendor.objects.order_by("name").only("name")
    )
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    @staticmethod
    def this_week() -> tuple[date, date]:
        return week_of(timezone.localdate())

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if not (FIRST_DAY <= start <= LAST_DAY and FIRST_DAY <= end <= LAST_DAY):
                raise ValidationError(
                    PERIOD_OUT_OF_RANGE,
                    code="period_out_of_range",
                    params={"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
                )
            if end < start:
                raise ValidationError(PERIOD_BACKWARDS, code="period_backwards")
            if end - start > timedelta(days=MAX_PERIOD_DAYS):
                raise ValidationError(
                    PERIOD_TOO_LONG, code="period_too_long", params={"days": MAX_PERIOD_DAYS}
                )
        return cleaned


class PayoutRunForm(ConfirmedForm):
    minimum = forms.DecimalField(
        label=_("Minimum payout (CNY)"),
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Every shop whose available money reaches it is paid all of it."),
    )

    @staticmethod
    def default_minimum() -> Decimal:
        return Decimal(settings.SETTLEMENT_PAYOUT_MINIMUM)


class MarkPaidForm(forms.Form):
    bank_reference = forms.CharField(label=_("Bank's reference"), max_length=64)


class MarkFailedForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it failed"),
        max_length=200,
        help_text=_("The shop reads it; the money goes back to its balance."),
    )

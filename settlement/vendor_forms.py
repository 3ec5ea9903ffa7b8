"""The forms of the shop's funds pages: the period of a statement, and the bank account
payouts go to (entered by the owner). They only read what was typed; saving is the
service's (settlement/services/bank.py)."""

import re
from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.validators import refuse_control_characters

MAX_DAYS = 366  # a leap year
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
ENTER_A_DATE = _("Enter a date as YYYY-MM-DD, for example 2026-11-23.")
END_BEFORE_START = _("The last day is before the first day: swap them.")
RANGE_TOO_LONG = _("A statement covers at most 366 days: choose a shorter range.")
OUT_OF_RANGE = _("Choose a day between 2000-01-01 and 2099-12-31.")

PAYEE_LENGTH = _("Enter the account holder's name as the bank has it (2 to 80 characters).")
BANK_NEEDED = _("Enter the bank's name, for example 中国农业银行.")
ACCOUNT_DIGITS = _("Enter the account number with digits only (8 to 30 digits; spaces are fine).")
# Full-width digits, as some Chinese input methods type them.
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
ACCOUNT_NUMBER = re.compile(r"[0-9]{8,30}")


class DateInput(forms.DateInput):
    input_type = "date"


class StatementPeriodForm(forms.Form):
    """The days a statement covers, first and last included."""

    start = forms.DateField(
        label=pgettext_lazy("shop funds", "From"),
        input_formats=["%Y-%m-%d"],
        error_messages={"required": ENTER_A_DATE, "invalid": ENTER_A_DATE},
        widget=DateInput(format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=pgettext_lazy("shop funds", "To"),
        input_formats=["%Y-%m-%d"],
        error_messages={"required": ENTER_A_DATE, "invalid": ENTER_A_DATE},
        widget=DateInput(format="%Y-%m-%d"),
    )

    def _clean_day(self, name: str) -> date:
        day = self.cleaned_data[name]
        if not EARLIEST <= day <= LATEST:
            raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range")
        return day

    def clean_start(self) -> date:
        return self._clean_day("start")

    def clean_end(self) -> date:
        return self._clean_day("end")

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(END_BEFORE_START, code="end_before_start")
            if (end - start).days + 1 > MAX_DAYS:
                raise forms.ValidationError(RANGE_TOO_LONG, code="range_too_long")
        return data


class BankAccountForm(forms.Form):
    """Where the shop's payouts go. The account number is typed whole each time (the
    page never shows it in full)."""

    payee = forms.CharField(
        label=_("Account holder"),
        min_length=2,
        max_length=80,
        help_text=_("The name on the account: the shop's registered name for a company account."),
        error_messages={
            "required": PAYEE_LENGTH,
            "min_length": PAYEE_LENGTH,
            "max_length": PAYEE_LENGTH,
        },
    )
    bank = forms.CharField(
        label=_("Bank"),
        max_length=80,
        error_messages={"required": BANK_NEEDED},
    )
    branch = forms.CharField(
        label=_("Branch (optional)"),
        max_length=80,
        required=False,
        help_text=_("For example 秭归支行."),
    )
    account_number = forms.CharField(
        label=_("Account number"),
        max_length=60,  # the spaces people type between groups of digits
        error_messages={"required": ACCOUNT_DIGITS, "max_length": ACCOUNT_DIGITS},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        refuse_control_characters(self)

    def clean_account_number(self) -> str:
        digits = "".join(self.cleaned_data["account_number"].split())
        digits = digits.translate(FULL_WIDTH_DIGITS)
        if not ACCOUNT_NUMBER.fullmatch(digits):
            raise forms.ValidationError(ACCOUNT_DIGITS, code="account_digits")
        return digits

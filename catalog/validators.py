"""Text a vendor types holds no control characters.

Django's CharField already refuses NUL (PostgreSQL cannot store it); the other control
characters (an escape sequence, a form feed, C1 codes from a mis-decoded file) are never
what a person meant, and would reach shoppers' pages and exports. Tab, newline and
carriage return stay allowed: a description is a textarea.
"""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

CONTROL_CHARACTERS = _(
    "This text holds invisible control characters; type it again or paste it as plain text."
)
# NUL is left to Django's own validator, so it is not reported twice.
prohibit_control_characters = RegexValidator(
    r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]",
    CONTROL_CHARACTERS,
    code="control_characters",
    inverse_match=True,
)


def refuse_control_characters(form):
    """Give every text field of `form` the validator above (call in its __init__)."""
    for field in form.fields.values():
        if isinstance(field, forms.CharField) and (
            prohibit_control_characters not in field.validators
        ):
            field.validators.append(prohibit_control_characters)

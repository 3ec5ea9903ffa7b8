"""The shopper's review forms. They only parse what was posted: the services
(reviews/services.py) decide what is allowed and say why not."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from catalog.images import limits_help_text
from catalog.photo_fields import PHOTO_ERROR_CODES, MultiplePhotoField
from catalog.validators import refuse_control_characters
from reviews.models import MAX_PHOTOS, MAX_STARS, TEXT_MAX_LENGTH

CHOOSE_STARS = _("Choose from 1 to 5 stars.")
STAR_LABELS = {
    1: _("1 star: very poor"),
    2: _("2 stars: poor"),
    3: _("3 stars: all right"),
    4: _("4 stars: good"),
    5: _("5 stars: excellent"),
}
# Where a service's refusal is shown, by its code (the rest above the form).
FIELD_OF_CODE = {
    **dict.fromkeys(PHOTO_ERROR_CODES, "photos"),
    "bad_stars": "stars",
    "text_required": "text",
    "text_too_long": "text",
}


def _photos_help(most):
    return ngettext_lazy(
        "Up to %(most)s photo of what you received.",
        "Up to %(most)s photos of what you received.",
        "most",
    ) % {"most": most}


class _ServiceErrors:
    def add_service_error(self, error: ValidationError) -> None:
        """Show a service's refusal by the field it is about (above the form else)."""
        for problem in error.error_list:
            field = FIELD_OF_CODE.get(problem.code)
            self.add_error(field if field in self.fields else None, problem)


def _text_field(label, *, required):
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(
            attrs={"rows": 5, "maxlength": TEXT_MAX_LENGTH, "data-counter": TEXT_MAX_LENGTH}
        ),
        help_text=_("At most %(limit)s characters.") % {"limit": TEXT_MAX_LENGTH},
    )


class ReviewForm(_ServiceErrors, forms.Form):
    stars = forms.TypedChoiceField(
        label=_("Your rating"),
        coerce=int,
        choices=[(n, STAR_LABELS[n]) for n in range(MAX_STARS, 0, -1)],
        widget=forms.RadioSelect,
        error_messages={"required": CHOOSE_STARS, "invalid_choice": CHOOSE_STARS},
    )
    text = _text_field(_("Your review"), required=False)
    photos = MultiplePhotoField(label=_("Photos"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_control_characters(self)
        self.fields["text"].widget.attrs["placeholder"] = _(
            "How was it? Freshness, taste, packing, delivery…"
        )
        self.fields["photos"].help_text = f"{_photos_help(MAX_PHOTOS)} {limits_help_text()}"


class FollowUpForm(_ServiceErrors, forms.Form):
    text = _text_field(_("Your follow-up"), required=True)
    photos = MultiplePhotoField(label=_("Photos"))

    def __init__(self, *args, room_for_photos=MAX_PHOTOS, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_control_characters(self)
        self.fields["text"].error_messages["required"] = _("Write your follow-up.")
        self.fields["text"].widget.attrs["placeholder"] = _(
            "How is it after a while? Did it keep well?"
        )
        if room_for_photos:
            self.fields[
                "photos"
            ].help_text = f"{_photos_help(room_for_photos)} {limits_help_text()}"
        else:
            del self.fields["photos"]

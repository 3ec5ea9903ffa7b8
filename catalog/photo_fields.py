"""The form field shoppers upload several photos with (after-sales requests, reviews):
one <input type=file multiple>, cleaned to a list of files that the service then checks
and re-encodes with catalog.images, and where the images' refusals are shown."""

from django import forms

PHOTO_ACCEPT = "image/jpeg,image/png,image/webp"
# catalog.images' refusal codes: shown beside the photos field.
PHOTO_ERROR_CODES = (
    "too_many_photos",
    "too_large",
    "not_an_image",
    "wrong_format",
    "too_many_pixels",
    "broken_image",
)


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos in one <input type=file multiple>: a list of files (each checked
    and re-encoded by the service)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": PHOTO_ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        files = data if isinstance(data, (list, tuple)) else [data]
        return [single(f, initial) for f in files if f]

"""The shop's reply, as the vendor dashboard posts it. The form reads what was typed
(no NUL byte, within its length); whether the shop may reply is reviews.replies' to say."""

from django import forms
from django.utils.translation import pgettext_lazy

from reviews.models import REPLY_MAX_LENGTH
from reviews.replies import REPLY_REQUIRED


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=pgettext_lazy("review", "Shop's reply"),
        max_length=REPLY_MAX_LENGTH,
        error_messages={"required": REPLY_REQUIRED},
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": REPLY_MAX_LENGTH}),
    )

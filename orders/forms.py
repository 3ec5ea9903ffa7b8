import re
import unicodedata

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from notifications import password_reset
from orders import regions
from orders.models import MAINLAND_MOBILE, Address, Order
from orders.payments import checkout_choices
from orders.shipping.carriers import CHOOSE_CARRIER, carrier_choices

MAX_QUANTITY = 999


class QuantityForm(forms.Form):
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=0,
        max_value=MAX_QUANTITY,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": MAX_QUANTITY}),
    )


class AddToCartForm(QuantityForm):
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=MAX_QUANTITY,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": MAX_QUANTITY}),
    )
    # Sent by a channel's page (a livestream's: its slug): the item is bought from it, if
    # the channel sells it (orders/channels.py).
    stream = forms.SlugField(required=False, widget=forms.HiddenInput)


EMAIL_TAKEN = _(
    "An account already uses this email. Sign in, or reset your password if you forgot it."
)


class EmailAddressField(forms.EmailField):
    """An email as the shopper meant it: characters that show nothing (a zero-width space
    pasted from a chat app, a byte-order mark) are dropped, and full-width forms an input
    method types (＠, ｅｘａｍｐｌｅ) become their plain ones (NFKC). Otherwise
    `shop@example.com` followed by an invisible space would be a second account's email
    that looks the same in every mail client."""

    def to_python(self, value):
        value = super().to_python(value)
        value = unicodedata.normalize("NFKC", value)
        return "".join(ch for ch in value if unicodedata.category(ch) != "Cf").strip()


class SignUpForm(UserCreationForm):
    """A new shopper's account: a username, an email no other account uses (whatever its
    case: the email is how a password is reset), and a password."""

    email = EmailAddressField(
        label=_("Email"), help_text=_("For order confirmations and password reset.")
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self):
        email = self.cleaned_data["email"]
        if get_user_model()._default_manager.filter(email__iexact=email).exists():
            raise forms.ValidationError(EMAIL_TAKEN, code="email_taken")
        return email


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the request only writes down that a link was asked for
    (password_reset.request_password_reset): the same work whether any account has the
    email or not, so the answer's time does not tell. The worker finds the accounts as
    Django does (`get_users`: active, any case; several may share an email from before
    sign-up refused it) and sends each its own link through the outbox."""

    email = EmailAddressField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def save(self, **kwargs):
        """Write the request. Django's options (templates, domain, token generator) are
        not used: the worker renders notifications/password_reset*.txt with
        SITE_URL and makes the token when it sends."""
        return password_reset.request_password_reset(self.cleaned_data["email"])


def _choices(names, empty_label):
    return [("", empty_label)] + [(name, name) for name in names]


class AddressForm(forms.ModelForm):
    """The address book's form. Province, city and district are selects that narrow each
    other (orders/regions.py); with htmx a change of province or city reloads the lists
    below it, without JavaScript the form is sent and comes back with the right lists."""

    mobile = forms.CharField(
        label=_("Mobile"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    province = forms.ChoiceField(
        label=_("Province"),
        error_messages={"invalid_choice": _("Choose a province from the list.")},
    )
    city = forms.ChoiceField(
        label=_("City"),
        error_messages={
            "invalid_choice": _(
                "%(value)s is not in the province you chose; choose the city from the list."
            )
        },
    )
    district = forms.ChoiceField(
        label=_("District or county"),
        required=False,
        error_messages={
            "invalid_choice": _(
                "%(value)s is not in the city you chose; choose the "
                "district or county from the list."
            )
        },
    )

    class Meta:
        model = Address
        fields = ["recipient", "mobile", "province", "city", "district", "street", "is_default"]

    def __init__(self, *args, regions_url=None, **kwargs):
        super().__init__(*args, **kwargs)
        province, city = self.chosen("province"), self.chosen("city")
        self.fields["province"].choices = _choices(
            regions.regions().provinces, _("Choose a province")
        )
        self.fields["city"].choices = _choices(regions.cities_of(province), _("Choose a city"))
        districts = regions.districts_of(province, city)
        self.fields["district"].choices = _choices(
            districts, _("Choose a district or county") if districts else _("(none to choose)")
        )
        self.fields["district"].required = bool(districts)
        if regions_url:
            for name in ("province", "city"):
                self.fields[name].widget.attrs.update(
                    {
                        "hx-get": regions_url,
                        "hx-trigger": "change",
                        "hx-target": "#region-fields",
                        "hx-swap": "outerHTML",
                        "hx-include": "[name=province],[name=city]",
                    }
                )

    def chosen(self, name):
        """What the form shows chosen for `name`: posted, else initial, else saved."""
        if self.is_bound:
            return self.data.get(self.add_prefix(name), "")
        return self.initial.get(name) or getattr(self.instance, name, "") or ""

    def clean_mobile(self):
        """Accept how people write it: "+86 138-1234-5678" -> "13812345678"."""
        digits = re.sub(r"[\s-]", "", self.cleaned_data["mobile"])
        digits = re.sub(r"^(\+?86)(?=1\d{10}$)", "", digits)
        MAINLAND_MOBILE(digits)
        return digits


class ReadOnceChoiceIterator(forms.models.ModelChoiceIterator):
    """The field's queryset's rows, read once per form and kept (Django's own iterator
    reads them again every time the choices are listed)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:  # the queryset's own cache, filled on the first pass
            yield self.choice(obj)


class AddressChoiceField(forms.ModelChoiceField):
    iterator = ReadOnceChoiceIterator


class CheckoutForm(forms.Form):
    address = AddressChoiceField(
        label=_("Deliver to"),
        queryset=Address.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    payment_method = forms.ChoiceField(
        label=_("Payment"),
        choices=(),  # the methods on offer (orders/payments.py), set per form
        widget=forms.RadioSelect,
        initial=Order.PaymentMethod.CASH_ON_DELIVERY,
    )
    # One key per checkout page: a double click or a retried POST makes one order.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=16)
    # The total the page showed (goods and shipping) and the shipping in it: compared,
    # never charged (prices and fees come from the server).
    expected_total = forms.DecimalField(
        widget=forms.HiddenInput, required=False, max_digits=14, decimal_places=2
    )
    expected_shipping = forms.DecimalField(
        widget=forms.HiddenInput, required=False, max_digits=12, decimal_places=2
    )
    # The address the page quoted that shipping for (another radio chosen without
    # JavaScript, the page still shows the first one's fees).
    quoted_address = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payment_method"].choices = checkout_choices()
        self.fields["address"].queryset = user.addresses.all()
        # The address the page quotes the shipping for until another is chosen: the
        # default one, else the first (None: the shopper has none). Not read for a posted
        # form, which has its own choice. The page lists the same rows (read once).
        self.default_address = None
        if not self.is_bound:
            listed = list(self.fields["address"].queryset)
            self.default_address = next((a for a in listed if a.is_default), None) or next(
                iter(listed), None
            )
            if self.default_address:
                self.fields["address"].initial = self.default_address.pk

    def chosen_address(self, value: object) -> Address | None:
        """The shopper's address `value` (a posted or asked pk) names; None if it is not
        one of theirs (or not a number)."""
        try:
            return self.fields["address"].clean(value)
        except forms.ValidationError:
            return None


CHOOSE_A_CARRIER = _("Choose…")
ENTER_TRACKING_NUMBER = _("Enter the tracking number.")
TRACKING_NUMBER_FORMAT = _("A tracking number is 6 to 40 letters, digits or dashes.")


class TrackingNumberField(forms.CharField):
    """A tracking number as the carrier prints it: the full-width letters and digits an
    input method types become plain ones (NFKC), spaces around it are dropped."""

    def to_python(self, value):
        return unicodedata.normalize("NFKC", super().to_python(value)).strip()


class ShipPartForm(forms.Form):
    """The carrier is one of orders/shipping/carriers.py (its code is stored), so the
    shopper gets a link to its tracking page."""

    carrier = forms.ChoiceField(
        label=_("Carrier"),
        choices=(),
        error_messages={"required": CHOOSE_CARRIER, "invalid_choice": CHOOSE_CARRIER},
    )
    tracking_number = TrackingNumberField(
        label=_("Tracking number"),
        error_messages={"required": ENTER_TRACKING_NUMBER},
        validators=[RegexValidator(r"^[A-Za-z0-9-]{6,40}\Z", TRACKING_NUMBER_FORMAT)],
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "maxlength": 40}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["carrier"].choices = [("", CHOOSE_A_CARRIER), *carrier_choices()]


class CancelPartForm(forms.Form):
    reason = forms.CharField(
        label=_("Why can you not ship it?"),
        label_suffix="",
        max_length=300,  # ends in ？
        help_text=_("The shopper reads this, for example: sold out at the farm after frost."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(
        label=_("Yes, cancel this part. It cannot be undone."),
        error_messages={"required": _("Tick the box to confirm the cancellation.")},
    )


class CancelOrderForm(forms.Form):
    """The shopper's "yes" on the page that asks before an order is cancelled."""

    confirm = forms.BooleanField(widget=forms.HiddenInput)


class ConfirmReceiptForm(forms.Form):
    """The shopper's "yes" on the page that asks before receipt of a part is confirmed."""

    confirm = forms.BooleanField(widget=forms.HiddenInput)

"""The shoppers' address books."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

MAINLAND_MOBILE = RegexValidator(
    r"^1[3-9]\d{9}$", _("Enter a mainland China mobile number: 11 digits starting with 1.")
)


class Address(models.Model):
    """An entry of a shopper's address book, in the mainland format."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses"
    )
    recipient = models.CharField(_("recipient"), max_length=40)
    mobile = models.CharField(_("mobile"), max_length=11, validators=[MAINLAND_MOBILE])
    province = models.CharField(_("province"), max_length=20)
    city = models.CharField(_("city"), max_length=30)
    # Empty where the city has no district to choose (潜江市, 东莞市…).
    district = models.CharField(_("district or county"), max_length=30, blank=True)
    street = models.CharField(_("street address"), max_length=120)
    is_default = models.BooleanField(_("default address"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "-created_at"]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self):
        return f"{self.recipient} {self.province}{self.city}{self.district}{self.street}"

    def snapshot(self):
        return {
            "recipient": self.recipient,
            "mobile": self.mobile,
            "province": self.province,
            "city": self.city,
            "district": self.district,
            "street": self.street,
        }

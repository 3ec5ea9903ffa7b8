"""The shopper's address book."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from orders.models import Address


def save_address(user: AbstractBaseUser, address: Address) -> Address:
    """Save an address-book entry; the one marked default becomes the only default."""
    with transaction.atomic():
        address.user = user
        first = not user.addresses.exclude(pk=address.pk).exists()
        address.is_default = address.is_default or first
        address.save()
        if address.is_default:
            user.addresses.exclude(pk=address.pk).update(is_default=False)
    return address

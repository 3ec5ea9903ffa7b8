"""What a cart or a checkout refuses, shared by both: the messages tests reuse and the
one error that names every item that cannot be bought."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from catalog.models import Product

NOT_AVAILABLE = _("“%(product)s” is no longer on sale.")
NOT_ENOUGH_STOCK = _("Only %(stock)s of “%(product)s” left; you asked for %(quantity)s.")
SOLD_OUT = _("“%(product)s” is sold out.")
BAD_QUANTITY = _("Choose a quantity of at least 1.")


class CheckoutProblem(ValidationError):
    """Items that cannot be bought as the cart stands; `messages` says which and why."""


def _stock_problem(product: Product, quantity: int) -> ValidationError:
    if product.stock == 0:
        return ValidationError(SOLD_OUT, code="sold_out", params={"product": product.display_name})
    return ValidationError(
        NOT_ENOUGH_STOCK,
        code="not_enough_stock",
        params={"product": product.display_name, "stock": product.stock, "quantity": quantity},
    )

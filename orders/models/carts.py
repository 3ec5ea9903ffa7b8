"""Carts: a signed-in shopper's, or an anonymous session's, and their items."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.models import Product

# The help text of CartItem's and OrderLine's channel (orders/channels.py).
CHANNEL_HELP = _(
    "The page it was added from: a live stream's (livestream:<id>); empty for the web store."
)


class Cart(models.Model):
    # One of the two is set: a signed-in shopper's cart, or an anonymous session's.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cart",
        verbose_name=_("shopper"),
    )
    session_key = models.CharField(_("session"), max_length=40, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("cart")
        verbose_name_plural = _("carts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | models.Q(session_key__isnull=False),
                name="cart_has_owner",
            )
        ]

    def __str__(self):
        return f"cart {self.pk}"


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    # Added from a channel's page (orders/channels.py: "livestream:<id>", a live stream's;
    # "" the web store): the channel's price applies while it sells the product (a stream
    # that is live), and the purchase counts for it.
    channel = models.CharField(
        _("sales channel"),
        max_length=40,
        blank=True,
        db_index=True,
        help_text=CHANNEL_HELP,
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("cart item")
        verbose_name_plural = _("cart items")
        constraints = [
            models.UniqueConstraint(fields=["cart", "product"], name="cart_item_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="cart_item_qty_gte_1"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product}"

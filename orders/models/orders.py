"""Orders: one per checkout, a part per vendor, a line per product (and price
portion), and the events of every status change."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.models import Product, Vendor
from catalog.promotions.checkout import price_label
from core.names import in_shoppers_language
from orders.models.carts import CHANNEL_HELP

ORDER_NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


def new_order_number():
    """HB + 12 random characters: about 60 bits, not guessable, easy to read aloud."""
    return "HB" + "".join(secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(12))


class Order(models.Model):
    class Status(models.TextChoices):
        # Not paid yet: an online payment or a bank transfer still to come (cash on
        # delivery orders are confirmed when placed).
        PLACED = "placed", _("awaiting payment")
        CONFIRMED = "confirmed", _("confirmed")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")

    class PaymentMethod(models.TextChoices):
        CASH_ON_DELIVERY = "cod", _("cash on delivery")
        BANK_TRANSFER = "bank_transfer", _("bank transfer")
        # Online gateways (the payments app registers them in orders/payments.py).
        ALIPAY = "alipay", _("Alipay")
        WECHAT_PAY = "wechat_pay", _("WeChat Pay")

    number = models.CharField(
        _("order number"), max_length=14, unique=True, default=new_order_number, editable=False
    )
    shopper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("shopper"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLACED
    )
    payment_method = models.CharField(
        _("payment method"), max_length=16, choices=PaymentMethod.choices
    )
    # The delivery address as it was at checkout (the address book may change later).
    address = models.JSONField(_("delivery address"))
    mobile = models.CharField(_("mobile"), max_length=11, db_index=True)
    # Goods and shipping: what the shopper pays (the parts' subtotals and shipping fees).
    total = models.DecimalField(_("total (CNY)"), max_digits=12, decimal_places=2)
    shipping_fee = models.DecimalField(
        _("shipping (CNY)"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    weight_g = models.PositiveIntegerField(_("total weight (g)"))
    idempotency_key = models.CharField(_("checkout key"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("placed at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")

    def __str__(self):
        return self.number

    @property
    def goods_total(self):
        """What the goods cost, without the shipping."""
        return self.total - self.shipping_fee

    @property
    def total_due(self):
        """The total without the parts a shop cancelled, their shipping included (uses the
        prefetched parts)."""
        return self.goods_due + self.shipping_due

    @property
    def goods_due(self):
        """What the goods of the parts not cancelled cost (uses the prefetched parts)."""
        return sum((part.subtotal for part in self._parts_due()), Decimal("0"))

    @property
    def shipping_due(self):
        """The shipping of the parts not cancelled (uses the prefetched parts)."""
        return sum((part.shipping_fee for part in self._parts_due()), Decimal("0"))

    def _parts_due(self):
        return [part for part in self.parts.all() if part.status != OrderPart.Status.CANCELLED]

    @property
    def can_cancel(self):
        """Before anything shipped (uses the prefetched parts); a part its shop cancelled
        does not stand in the way."""
        return self.status in (self.Status.PLACED, self.Status.CONFIRMED) and all(
            part.status in (OrderPart.Status.PENDING, OrderPart.Status.CANCELLED)
            for part in self.parts.all()
        )


class OrderPart(models.Model):
    """What one vendor ships of an order."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting shipment")
        SHIPPED = "shipped", _("shipped")
        # Receipt confirmed (确认收货): by the shopper, or automatically.
        DELIVERED = "delivered", _("received")
        CANCELLED = "cancelled", _("cancelled")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="parts")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="order_parts")
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    subtotal = models.DecimalField(_("subtotal (CNY)"), max_digits=12, decimal_places=2)
    weight_g = models.PositiveIntegerField(_("weight (g)"))
    # What sending it costs the shopper (its parcels' fees, orders/shipping/fees.py),
    # paid with the goods and refunded with the whole part.
    shipping_fee = models.DecimalField(
        _("shipping fee (CNY)"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    cold_chain = models.BooleanField(_("cold chain"), default=False)
    # A code of orders/shipping/carriers.py (free text for parts shipped before the list).
    carrier = models.CharField(_("carrier"), max_length=40, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    # When receipt is confirmed for the shopper if they have not confirmed it
    # (AUTO_CONFIRM_DAYS after shipment, fewer for fresh categories), and when they were
    # told a day before.
    auto_confirm_at = models.DateTimeField(
        _("receipt confirmed automatically at"), null=True, blank=True, db_index=True
    )
    auto_confirm_reminded_at = models.DateTimeField(
        _("reminded of automatic confirmation at"), null=True, blank=True
    )
    # Receipt confirmed (确认收货), by the shopper or automatically: the part is complete.
    delivered_at = models.DateTimeField(_("received at"), null=True, blank=True)
    # What after-sales gave back of it (its lines' refunded amounts and weights, and its
    # shipping fee once every line is refunded whole): orders/services/refunds.py keeps
    # these, and the sales figures count the part without them.
    refunded_goods = models.DecimalField(
        _("goods refunded (CNY)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        db_default=Decimal("0"),
    )
    refunded_weight_g = models.PositiveIntegerField(
        _("weight refunded (g)"), default=0, db_default=0
    )
    refunded_shipping = models.DecimalField(
        _("shipping refunded (CNY)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        db_default=Decimal("0"),
    )

    class Meta:
        ordering = ["order", "vendor__name", "id"]
        verbose_name = _("order part")
        verbose_name_plural = _("order parts")
        constraints = [
            models.UniqueConstraint(fields=["order", "vendor"], name="order_part_one_per_vendor"),
            models.CheckConstraint(
                condition=models.Q(refunded_goods__gte=0)
                & models.Q(refunded_goods__lte=models.F("subtotal"))
                & models.Q(refunded_shipping__gte=0)
                & models.Q(refunded_shipping__lte=models.F("shipping_fee")),
                name="order_part_refunded_within_paid",
            ),
        ]

    def __str__(self):
        return f"{self.order.number} / {self.vendor}"

    @property
    def amount(self):
        """What the shopper pays for this part: its goods and its shipping."""
        return self.subtotal + self.shipping_fee

    @property
    def refunded(self):
        """What after-sales gave back of this part: goods and shipping."""
        return self.refunded_goods + self.refunded_shipping

    @property
    def rows(self):
        """The lines as the shopper put them in the cart (uses the prefetched lines): a
        product priced in portions (the units within a limit or a flash sale's last units,
        the rest at the next-best price) is one row, its first line, whose `portions` are
        all its lines, with `row_quantity`, `row_total`, `row_discount` (below the list
        price, over all its lines) and `row_promotions` (those that took money off, each
        once, in line order)."""
        rows = []
        for line in self.lines.all():
            key = (line.product_id, line.product_name, line.pack_size)
            if rows and rows[-1].row_key == key:
                row = rows[-1]
                row.portions.append(line)
                row.row_quantity += line.quantity
                row.row_total += line.line_total
                row.row_discount += line.discount
            else:
                line.row_key, line.portions = key, [line]
                line.row_quantity, line.row_total = line.quantity, line.line_total
                line.row_discount, line.row_promotions = line.discount, []
                row = line
                rows.append(line)
            if line.discount and line.promotion and line.promotion not in row.row_promotions:
                row.row_promotions.append(line.promotion)
        return rows


class OrderLine(models.Model):
    part = models.ForeignKey(OrderPart, on_delete=models.CASCADE, related_name="lines")
    # Null once the product is deleted; the snapshots below keep what was bought.
    product = models.ForeignKey(Product, on_delete=models.SET_NULL, null=True, related_name="+")
    product_name = models.CharField(_("product"), max_length=160)
    product_name_en = models.CharField(_("product in English"), max_length=160, blank=True)
    pack_size = models.CharField(_("pack size"), max_length=60)
    pack_size_en = models.CharField(_("pack size in English"), max_length=60, blank=True)
    unit_price = models.DecimalField(_("unit price (CNY)"), max_digits=10, decimal_places=2)
    quantity = models.PositiveIntegerField(_("quantity"))
    line_total = models.DecimalField(_("line total (CNY)"), max_digits=12, decimal_places=2)
    weight_g = models.PositiveIntegerField(_("weight (g)"))
    # The promotion that priced it, and how much less than the list price it cost in all.
    promotion = models.ForeignKey(
        "catalog.Promotion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("promotion"),
    )
    discount = models.DecimalField(
        _("discount (CNY)"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    # What after-sales gave back (orders/services/refunds.py): the units its requests
    # claimed, their money (never above line_total) and the weight that money stands for
    # (the line's weight in proportion). The sales figures count the line without them.
    refunded_quantity = models.PositiveIntegerField(_("units refunded"), default=0, db_default=0)
    refunded_amount = models.DecimalField(
        _("refunded (CNY)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        db_default=Decimal("0"),
    )
    refunded_weight_g = models.PositiveIntegerField(
        _("weight refunded (g)"), default=0, db_default=0
    )
    # The platform's commission on it (0.0500 is 5%), the rate in force when it was sold
    # (settlement sets it at checkout: orders/money_hooks.py); a new rate never rewrites
    # it. Null: sold with no rate (no commission).
    commission_rate = models.DecimalField(
        _("commission rate"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    # What stopped its promotion pricing more of the product's units: "limit" (the
    # shopper's allowance) or "flash_sale" (the units left); empty if nothing did.
    price_cut = models.CharField(_("price cut by"), max_length=20, blank=True, default="")
    # Bought from a channel's page while it sold the product ("livestream:<id>": a stream
    # that was live; "" the web store): the channel's sales figures (orders/channels.py).
    channel = models.CharField(
        _("sales channel"),
        max_length=40,
        blank=True,
        db_index=True,
        help_text=CHANNEL_HELP,
    )
    # Where it came from, as it was when bought (the impact board's rollups; these stay
    # when the product is deleted or moved).
    category = models.ForeignKey(
        "catalog.Category",
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("category"),
    )
    origin_county = models.ForeignKey(
        "catalog.County",
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("origin county"),
    )

    class Meta:
        ordering = ["part", "id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(refunded_quantity__lte=models.F("quantity"))
                & models.Q(refunded_amount__gte=0)
                & models.Q(refunded_amount__lte=models.F("line_total"))
                & models.Q(refunded_weight_g__lte=models.F("weight_g")),
                name="order_line_refunded_within_paid",
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product_name}"

    @property
    def refundable_amount(self):
        """What may still be refunded of this line's goods."""
        return self.line_total - self.refunded_amount

    @property
    def refundable_quantity(self):
        """The units no after-sales request has claimed yet."""
        return self.quantity - self.refunded_quantity

    @property
    def price_label(self):
        """What its price was called when a limit or a flash sale split its product into
        lines: a limited offer, a flash sale (empty for any other price)."""
        return price_label(self.promotion, self.price_cut)

    @property
    def display_name(self):
        return in_shoppers_language(self.product_name, self.product_name_en)

    @property
    def display_pack_size(self):
        return in_shoppers_language(self.pack_size, self.pack_size_en)

    @staticmethod
    def snapshot_of(product):
        """A line's copies of what the product is called and its pack, in both languages."""
        return {
            "product_name": product.name,
            "product_name_en": product.name_en,
            "pack_size": product.pack_size,
            "pack_size_en": product.pack_size_en,
        }


class OrderEvent(models.Model):
    """Every status change of an order or of one of its parts: what, who, when."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    # Null when the change is to the order as a whole.
    part = models.ForeignKey(
        OrderPart, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12)
    # Why, when someone said (a shop cancelling its part).
    note = models.CharField(_("note"), max_length=300, blank=True)
    # Null for changes made by the system (a scheduled task).
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("order event")
        verbose_name_plural = _("order events")

    def __str__(self):
        return f"{self.order.number}: {self.from_status} → {self.to_status}"

    def _label(self, status):
        statuses = OrderPart.Status if self.part_id else Order.Status
        return statuses(status).label if status in statuses.values else status

    @property
    def from_label(self):
        return self._label(self.from_status)

    @property
    def to_label(self):
        return self._label(self.to_status)

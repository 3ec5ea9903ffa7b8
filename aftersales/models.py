"""After-sales: a shopper's request about one order line (refund only, return and
refund, or cancel it before shipment), its photos, and every step as an event."""

import secrets
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.states import OPEN_STATES, State
from catalog.models import Vendor
from orders.models import ORDER_NUMBER_ALPHABET, Order, OrderLine, OrderPart

MAX_PHOTOS = 6


def new_request_number() -> str:
    """SH (售后) + 12 random characters, like an order number."""
    return "SH" + "".join(secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(12))


def photo_path(instance, filename: str) -> str:
    return f"aftersales/{uuid.uuid4().hex}.jpg"


def thumbnail_path(instance, filename: str) -> str:
    return f"aftersales/thumbs/{uuid.uuid4().hex}.jpg"


class AfterSalesRequest(models.Model):
    class Kind(models.TextChoices):
        REFUND_ONLY = "refund_only", _("refund only")
        RETURN_REFUND = "return_refund", _("return and refund")
        CANCEL_LINE = "cancel_line", _("cancel this line")

    class Reason(models.TextChoices):
        SPOILED = "spoiled", _("spoiled or dead on arrival")
        DAMAGED = "damaged", _("damaged or broken")
        MISSING = "missing", _("missing or short")
        WRONG_ITEM = "wrong_item", _("wrong item")
        NOT_AS_DESCRIBED = "not_as_described", _("not as described")
        NOT_NEEDED = "not_needed", _("no longer needed")
        OTHER = "other", _("other")

    class Actor(models.TextChoices):
        SHOPPER = "shopper", pgettext_lazy("after-sales actor", "shopper")
        SHOP = "shop", _("shop")
        STAFF = "staff", _("platform staff")
        SYSTEM = "system", _("automatically")

    number = models.CharField(
        _("request number"), max_length=14, unique=True, default=new_request_number, editable=False
    )
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="aftersales", verbose_name=_("order")
    )
    part = models.ForeignKey(
        OrderPart, on_delete=models.PROTECT, related_name="aftersales", verbose_name=_("order part")
    )
    line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, related_name="aftersales", verbose_name=_("order line")
    )
    # Copies of the part's, for the shop's list and its isolation (a shop sees its own).
    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, related_name="aftersales", verbose_name=_("shop")
    )
    shopper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="aftersales",
        verbose_name=_("shopper"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    description = models.TextField(_("description"), max_length=500, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    # What the shopper asks for: the goods' share (never above what the units cost) and,
    # when the request takes the whole part, its shipping fee (computed on the server).
    amount = models.DecimalField(_("amount asked (CNY)"), max_digits=12, decimal_places=2)
    shipping = models.DecimalField(
        _("of which shipping (CNY)"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    offered_amount = models.DecimalField(
        _("amount offered (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    # What was given back in the end (goods and shipping), and the weight it stands for.
    refunded_amount = models.DecimalField(
        _("amount refunded (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    refunded_weight_g = models.PositiveIntegerField(_("weight refunded (g)"), default=0)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.REQUESTED, db_index=True
    )
    # When whoever must act now (the shop, the shopper, staff) should have: past it, the
    # sweep acts for them (except staff: the escalation queue shows how late it is).
    due_at = models.DateTimeField(_("due at"), null=True, blank=True, db_index=True)
    # A return: where the shop wants the goods, and how the shopper sent them.
    return_address = models.TextField(_("return address"), max_length=300, blank=True)
    return_carrier = models.CharField(_("return carrier"), max_length=40, blank=True)
    return_tracking_number = models.CharField(
        _("return tracking number"), max_length=40, blank=True
    )
    returned_at = models.DateTimeField(_("sent back at"), null=True, blank=True)
    received_back_at = models.DateTimeField(_("received back at"), null=True, blank=True)
    # The money: a refund through the order's gateway, or (cash on delivery, a bank
    # transfer) owed to the shopper by the shop, for settlement to pay.
    refund = models.ForeignKey(
        "payments.Refund",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("refund"),
    )
    owed_by_shop = models.BooleanField(_("owed to the shopper by the shop"), default=False)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("after-sales request")
        verbose_name_plural = _("after-sales requests")
        constraints = [
            # One open request per line at a time (a second waits for the first's answer).
            models.UniqueConstraint(
                fields=["line"],
                condition=Q(state__in=[s.value for s in OPEN_STATES]),
                name="aftersales_one_open_request_per_line",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(shipping__gte=0) & Q(shipping__lte=F("amount")),
                name="aftersales_amounts_within_asked",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="aftersales_quantity_positive"
            ),
        ]
        indexes = [models.Index(fields=["vendor", "state", "due_at"], name="aftersales_shop_queue")]
        # Arbitration moves money: staff need it on top of viewing requests.
        permissions = [("decide_aftersalesrequest", _("Can decide escalated after-sales requests"))]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def goods_amount(self) -> Decimal:
        """What is asked for the goods alone."""
        return self.amount - self.shipping


class RequestPhoto(models.Model):
    """A photo of what arrived, re-encoded as pixels only (catalog/images.py)."""

    request = models.ForeignKey(AfterSalesRequest, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=photo_path)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=thumbnail_path)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["request", "position", "id"]
        verbose_name = _("after-sales photo")
        verbose_name_plural = _("after-sales photos")

    def __str__(self):
        return _("Photo %(position)s") % {"position": self.position + 1}


class RequestEvent(models.Model):
    """One step of a request: who did what, why, and the amount it named."""

    request = models.ForeignKey(AfterSalesRequest, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(_("from"), max_length=16, blank=True)
    to_state = models.CharField(_("to"), max_length=16)
    actor = models.CharField(_("by whom"), max_length=8, choices=AfterSalesRequest.Actor.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.TextField(_("note"), max_length=500, blank=True)
    amount = models.DecimalField(
        _("amount (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("after-sales event")
        verbose_name_plural = _("after-sales events")

    def __str__(self):
        return f"{self.request.number}: {self.from_state} → {self.to_state}"

    @property
    def to_label(self):
        return State(self.to_state).label if self.to_state in State.values else self.to_state

"""Payments through the online gateways, and their refunds.

Money is `Decimal` CNY here; gateways speak integer fen (payments/money.py), converted
only at their boundary. A payment becomes paid only by a verified notification or a
query of the gateway, for exactly the amount due; its refunds never add up to more than
it captured (`refunded` is raised by one conditional UPDATE, payments/refunds.py).
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import Order, OrderPart

TRADE_NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _random(length: int) -> str:
    return "".join(secrets.choice(TRADE_NUMBER_ALPHABET) for _ in range(length))


def new_trade_number() -> str:
    """Our out_trade_no: "P" + 15 random characters (never the order number alone: an
    order may be paid in a second attempt, with the other gateway)."""
    return "P" + _random(15)


def new_refund_number() -> str:
    """Our out_request_no / out_refund_no: asked again with the same number, a gateway
    refunds once."""
    return "R" + _random(15)


class Gateway(models.TextChoices):
    ALIPAY = "alipay", _("Alipay")
    WECHAT_PAY = "wechat_pay", _("WeChat Pay")


class Payment(models.Model):
    """One attempt to pay an order through a gateway: its own trade number there."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting for the gateway")
        PAID = "paid", _("paid")
        CLOSED = "closed", _("closed")
        REFUNDED_IN_PART = "refunded_part", _("refunded in part")
        REFUNDED = "refunded", _("refunded")

    class Scene(models.TextChoices):
        ALIPAY_WAP = "alipay_wap", _("Alipay on a phone (wap pay)")
        ALIPAY_PAGE = "alipay_page", _("Alipay on a computer (page pay)")
        WECHAT_H5 = "wechat_h5", _("WeChat Pay in a phone browser (H5)")
        WECHAT_NATIVE = "wechat_native", _("WeChat Pay by QR code (Native)")

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="payments", verbose_name=_("order")
    )
    gateway = models.CharField(_("gateway"), max_length=12, choices=Gateway.choices)
    scene = models.CharField(_("scene"), max_length=16, choices=Scene.choices)
    trade_number = models.CharField(
        _("our trade number"), max_length=32, unique=True, default=new_trade_number
    )
    gateway_trade_id = models.CharField(
        _("gateway trade id"), max_length=64, blank=True, db_index=True
    )
    amount = models.DecimalField(_("amount (CNY)"), max_digits=12, decimal_places=2)
    # What succeeded or is being refunded (pending refunds included): never above amount.
    refunded = models.DecimalField(
        _("refunded (CNY)"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING, db_index=True
    )
    # What the gateway gives to resume the payment: its page's address, or the code a
    # QR image shows (WeChat Native's code_url); valid until the order closes.
    resume_url = models.TextField(_("gateway page"), blank=True)
    qr_text = models.TextField(_("QR code content"), blank=True)
    created_at = models.DateTimeField(_("started at"), default=timezone.now, db_index=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # When a sweep last asked the gateway about it (pending ones are asked every few
    # minutes, oldest question first).
    checked_at = models.DateTimeField(_("last asked at"), null=True, blank=True)
    # The verified notification or query answer that made it paid, as the gateway sent it.
    raw_confirmation = models.JSONField(_("gateway's confirmation"), null=True, blank=True)
    # Why it was refunded without being asked (paid after its order closed, or twice).
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded__gte=0) & Q(refunded__lte=F("amount")),
                name="payment_refunded_within_amount",
            ),
        ]

    def __str__(self):
        return self.trade_number

    @property
    def captured(self) -> bool:
        return self.state in (
            self.State.PAID,
            self.State.REFUNDED_IN_PART,
            self.State.REFUNDED,
        )

    @property
    def refundable(self) -> Decimal:
        return self.amount - self.refunded if self.captured else Decimal("0")


class Refund(models.Model):
    """Money given back on a payment, with our own refund number (a retry never pays
    twice)."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    class Reason(models.TextChoices):
        ORDER_CANCELLED = "order_cancelled", _("order cancelled")
        PART_CANCELLED = "part_cancelled", _("shop cancelled its part")
        PAID_AFTER_CLOSE = "paid_after_close", _("paid after the order closed")
        PAID_TWICE = "paid_twice", _("order already paid")
        STAFF = "staff", _("staff refund")
        AFTER_SALES = "after_sales", _("after-sales")

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment")
    )
    part = models.ForeignKey(
        OrderPart,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
        verbose_name=_("order part"),
    )
    refund_number = models.CharField(
        _("our refund number"), max_length=32, unique=True, default=new_refund_number
    )
    gateway_refund_id = models.CharField(_("gateway refund id"), max_length=64, blank=True)
    amount = models.DecimalField(_("amount (CNY)"), max_digits=12, decimal_places=2)
    # The order lines it refunds ([{"line": id, "quantity": n, "amount": "12.30"}]); empty
    # for a whole payment.
    lines = models.JSONField(_("lines"), default=list, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.PENDING, db_index=True
    )
    # The gateway's last answer (or the error that left it pending, to be tried again).
    last_answer = models.JSONField(_("gateway's last answer"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self):
        return self.refund_number


class GatewayNotification(models.Model):
    """Every notification a gateway sent to notify_url, kept for audit with what we made
    of it: accepted (changed something or repeated one already taken) or refused, and why."""

    class Verdict(models.TextChoices):
        ACCEPTED = "accepted", _("accepted")
        REPEATED = "repeated", _("repeated (already taken)")
        REFUSED = "refused", _("refused")

    gateway = models.CharField(_("gateway"), max_length=12, choices=Gateway.choices)
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    trade_number = models.CharField(_("trade number"), max_length=64, blank=True, db_index=True)
    payment = models.ForeignKey(
        Payment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("payment"),
    )
    # What came in, decrypted where the gateway encrypts (WeChat Pay's resource), cut to
    # a sane size; the headers that carry a signature.
    body = models.TextField(_("body"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("gateway notification")
        verbose_name_plural = _("gateway notifications")

    def __str__(self):
        return f"{self.gateway} {self.trade_number} {self.verdict}"

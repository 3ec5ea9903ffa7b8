"""The sandbox gateway's own books: the trades the store created with it, their
refunds, and the asynchronous notifications it owes the store. It stands for Alipay's
and WeChat Pay's servers, so it keeps fen and its own ids, and knows nothing of orders."""

import secrets

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_gateway_id() -> str:
    """A gateway-side id (Alipay trade_no, WeChat transaction_id or refund_id): digits,
    as theirs are, dated."""
    now = timezone.localtime()
    return now.strftime("%Y%m%d") + "".join(secrets.choice("0123456789") for _ in range(20))


def new_token() -> str:
    return secrets.token_urlsafe(18)


class SandboxTrade(models.Model):
    class Gateway(models.TextChoices):
        ALIPAY = "alipay", "Alipay"
        WECHAT_PAY = "wechat_pay", "WeChat Pay"

    class State(models.TextChoices):
        WAITING = "waiting", _("waiting for the buyer")
        PAID = "paid", _("paid")
        CLOSED = "closed", _("closed")

    gateway = models.CharField(_("gateway"), max_length=12, choices=Gateway.choices)
    merchant_id = models.CharField(_("merchant id"), max_length=32)  # app_id / mchid
    trade_number = models.CharField(_("merchant's trade number"), max_length=64)
    gateway_trade_id = models.CharField(
        _("gateway trade id"), max_length=64, unique=True, default=new_gateway_id
    )
    # wap, page (Alipay); h5, native (WeChat Pay): which cashier page it opens.
    scene = models.CharField(_("scene"), max_length=12)
    subject = models.CharField(_("subject"), max_length=256)
    amount_fen = models.PositiveIntegerField(_("amount (fen)"))
    refunded_fen = models.PositiveIntegerField(_("refunded (fen)"), default=0)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.WAITING
    )
    notify_url = models.URLField(_("notify URL"), max_length=500)
    return_url = models.URLField(_("return URL"), max_length=500, blank=True)
    # The cashier page's address carries it (the H5 / Native links, the QR code).
    token = models.CharField(_("token"), max_length=32, unique=True, default=new_token)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("sandbox trade")
        verbose_name_plural = _("sandbox trades")
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "merchant_id", "trade_number"], name="sandbox_trade_unique"
            ),
            models.CheckConstraint(
                condition=Q(refunded_fen__lte=F("amount_fen")), name="sandbox_refund_within"
            ),
        ]

    def __str__(self):
        return f"{self.gateway} {self.trade_number}"


class SandboxRefund(models.Model):
    class State(models.TextChoices):
        PROCESSING = "processing", _("processing")
        SUCCEEDED = "succeeded", _("succeeded")

    trade = models.ForeignKey(SandboxTrade, on_delete=models.CASCADE, related_name="refunds")
    refund_number = models.CharField(_("merchant's refund number"), max_length=64)
    gateway_refund_id = models.CharField(
        _("gateway refund id"), max_length=64, unique=True, default=new_gateway_id
    )
    amount_fen = models.PositiveIntegerField(_("amount (fen)"))
    reason = models.CharField(_("reason"), max_length=80, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.SUCCEEDED
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("sandbox refund")
        verbose_name_plural = _("sandbox refunds")
        constraints = [
            models.UniqueConstraint(
                fields=["trade", "refund_number"], name="sandbox_refund_unique"
            ),
        ]

    def __str__(self):
        return self.refund_number


class SandboxNotice(models.Model):
    """A notification the sandbox owes the store's notify_url; sent again, later each
    time, until the store answers success (as the real gateways do, for hours)."""

    trade = models.ForeignKey(SandboxTrade, on_delete=models.CASCADE, related_name="notices")
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_result = models.CharField(_("last result"), max_length=300, blank=True)

    class Meta:
        ordering = ["next_attempt_at", "id"]
        verbose_name = _("sandbox notification")
        verbose_name_plural = _("sandbox notifications")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(delivered_at__isnull=True),
                name="sandbox_notice_due",
            )
        ]

    def __str__(self):
        return f"notice {self.pk} of {self.trade}"

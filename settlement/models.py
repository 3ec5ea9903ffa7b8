"""Each shop's money with the platform: commission rates, an append-only ledger, the bank
account payouts go to, and payout runs.

Balances are derived from the entries. `ShopAccount` holds, per shop, the sum of its
entries as a running figure (raised in the same transaction as each entry) and a
version that every entry moves: the books check compares the figure with the entries,
and a payout takes the shop's available money only if no entry arrived since it read
it (the lock that keeps two payout runs from paying a shop twice, on PostgreSQL and on
SQLite alike)."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.models import Category, Vendor

NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I, as order numbers


def _random(length: int) -> str:
    return "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(length))


def new_payout_number() -> str:
    """PO + 12 characters: the reference the bank batch carries and the shop sees."""
    return "PO" + _random(12)


class CommissionRate(models.Model):
    """The platform's commission on goods sold (not on shipping): the default, a
    category's (and its subcategories'), or one shop's, each from the moment it takes
    effect. A line sold keeps the rate in force then (OrderLine.commission_rate): a shop's
    rate beats its category's, a category's beats its parent's, and both beat the
    default."""

    class Scope(models.TextChoices):
        DEFAULT = "default", _("default")
        CATEGORY = "category", _("category")
        VENDOR = "vendor", _("shop")

    scope = models.CharField(_("applies to"), max_length=10, choices=Scope.choices)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    vendor = models.ForeignKey(
        Vendor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shop"),
    )
    rate = models.DecimalField(
        _("rate"),
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("0.5"))],
        help_text=_("0.0500 is 5% of the goods' price (shipping fees carry no commission)."),
    )
    effective_from = models.DateTimeField(_("takes effect"), db_index=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("set by"),
    )

    class Meta:
        ordering = ["scope", "category", "vendor", "-effective_from"]
        verbose_name = _("commission rate")
        verbose_name_plural = _("commission rates")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope="default", category__isnull=True, vendor__isnull=True)
                    | Q(scope="category", category__isnull=False, vendor__isnull=True)
                    | Q(scope="vendor", category__isnull=True, vendor__isnull=False)
                ),
                name="commission_rate_scope_matches",
            ),
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lte=Decimal("0.5")),
                name="commission_rate_in_range",
            ),
            models.UniqueConstraint(
                fields=["scope", "category", "vendor", "effective_from"],
                name="commission_rate_one_per_moment",
                nulls_distinct=False,
            ),
        ]

    def __str__(self):
        target = self.vendor or self.category or _("default")
        since = timezone.localtime(self.effective_from)  # the day in Asia/Shanghai
        return f"{target}: {self.rate * 100:.2f}% ({since:%Y-%m-%d})"


class ShopAccount(models.Model):
    """One per shop: the sum of its entries (raised with each) and the version each
    entry moves (see the module docstring)."""

    vendor = models.OneToOneField(
        Vendor, on_delete=models.PROTECT, related_name="account", verbose_name=_("shop")
    )
    balance = models.DecimalField(
        _("balance (CNY)"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    version = models.PositiveBigIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("shop account")
        verbose_name_plural = _("shop accounts")

    def __str__(self):
        return str(self.vendor)


class LedgerEntry(models.Model):
    """One movement of a shop's money: never edited or deleted, a mistake corrected by an
    entry that reverses it. Positive amounts are the shop's, negative ones are taken from
    it. `available_at` is when the entry counts towards what can be paid out: null while
    it waits for the shopper to confirm receipt (pending), else a moment (now, or
    SETTLEMENT_DELAY_DAYS after receipt)."""

    class Kind(models.TextChoices):
        SALE = "sale", _("sale")
        SHIPPING = "shipping", _("shipping fee collected")
        COMMISSION = "commission", _("commission")
        # Receipt confirmed: the part's money leaves "waiting for receipt" (released_from,
        # null available_at) and becomes available after the delay (released).
        RELEASED_FROM = "released_from", _("receipt confirmed (waiting ends)")
        RELEASED = "released", _("receipt confirmed (available later)")
        REFUND = "refund", _("refund")
        COMMISSION_BACK = "commission_back", _("commission on refund returned")
        COD_COMMISSION = "cod_commission", _("commission on cash on delivery")
        ADJUSTMENT = "adjustment", _("adjustment")
        PAYOUT = "payout", _("payout")
        PAYOUT_RETURNED = "payout_returned", _("payout failed: returned")

    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, related_name="ledger_entries", verbose_name=_("shop")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2)
    available_at = models.DateTimeField(_("available from"), null=True, blank=True)
    booked_at = models.DateTimeField(_("booked at"), default=timezone.now)
    # What caused it (at most one of these, besides the part a refund is taken from).
    part = models.ForeignKey(
        "orders.OrderPart",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
        verbose_name=_("order part"),
    )
    refund = models.ForeignKey(
        "payments.Refund",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
        verbose_name=_("refund"),
    )
    # An after-sales refund the shop owes the shopper (cash on delivery, a bank transfer,
    # a refund the gateway refused): taken from the balance, paid to the shopper by staff.
    request = models.ForeignKey(
        "aftersales.AfterSalesRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
        verbose_name=_("after-sales request"),
    )
    payout = models.ForeignKey(
        "Payout",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("payout"),
    )
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    # Why (an adjustment's or reversal's reason, as the shop reads it).
    note = models.CharField(_("note"), max_length=300, blank=True)
    # The staff page's one-time key (its confirmation sent twice books once).
    form_key = models.CharField(_("form key"), max_length=36, blank=True, default="")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("who did it", "by"),
    )

    class Meta:
        ordering = ["booked_at", "id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            models.Index(fields=["vendor", "booked_at", "id"], name="ledger_vendor_booked"),
            models.Index(fields=["vendor", "available_at"], name="ledger_vendor_available"),
            # The staff's ledger list, newest first, unfiltered.
            models.Index(fields=["booked_at", "id"], name="ledger_booked"),
        ]
        constraints = [
            # An order part is booked once per kind (a sale, its fee, its commission, its
            # release); a repeated event or a backfill run twice books nothing more.
            models.UniqueConstraint(
                fields=["part", "kind"],
                condition=Q(
                    kind__in=[
                        "sale",
                        "shipping",
                        "commission",
                        "released_from",
                        "released",
                        "cod_commission",
                        # A bank transfer's part cancelled after it was paid: taken back
                        # once (the platform sends the shopper the money).
                        "refund",
                        "commission_back",
                    ],
                    refund__isnull=True,
                    request__isnull=True,
                    reverses__isnull=True,
                ),
                name="ledger_part_booked_once",
            ),
            models.UniqueConstraint(
                fields=["request", "kind"],
                condition=Q(request__isnull=False, reverses__isnull=True),
                name="ledger_request_booked_once",
            ),
            models.UniqueConstraint(
                fields=["refund", "part", "kind"],
                condition=Q(
                    refund__isnull=False,
                    kind__in=["refund", "commission_back"],
                    reverses__isnull=True,
                ),
                name="ledger_refund_booked_once",
            ),
            models.UniqueConstraint(
                fields=["payout", "kind"],
                condition=Q(payout__isnull=False, reverses__isnull=True),
                name="ledger_payout_booked_once",
            ),
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_moves_money"),
            models.UniqueConstraint(
                fields=["form_key"], condition=~Q(form_key=""), name="ledger_form_key_once"
            ),
        ]

    def __str__(self):
        return f"{self.vendor}: {self.get_kind_display()} {self.amount}"


class BankAccount(models.Model):
    """Where a shop's payouts go, entered by its owner. Every change is kept
    (BankAccountChange) and told to the owner."""

    vendor = models.OneToOneField(
        Vendor, on_delete=models.PROTECT, related_name="bank_account", verbose_name=_("shop")
    )
    payee = models.CharField(_("account holder"), max_length=80)
    bank = models.CharField(_("bank"), max_length=80)
    branch = models.CharField(_("branch"), max_length=80, blank=True)
    account_number = models.CharField(_("account number"), max_length=32)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")

    def __str__(self):
        return f"{self.payee} · {self.bank} ····{self.account_number[-4:]}"

    @property
    def account_masked(self) -> str:
        return "···· " + self.account_number[-4:]


class BankAccountChange(models.Model):
    """What the account was and became, who changed it and from where."""

    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, related_name="bank_account_changes"
    )
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=pgettext_lazy("who did it", "by"),
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("bank account change")
        verbose_name_plural = _("bank account changes")

    def __str__(self):
        return f"{self.vendor_id} @ {self.at:%Y-%m-%d %H:%M}"


class PayoutRun(models.Model):
    """Staff pay every shop whose available money reaches the minimum, in one bank batch."""

    number = models.CharField(_("run"), max_length=16, unique=True)
    minimum = models.DecimalField(_("minimum payout (CNY)"), max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    # The confirmation page's one-time key: confirmed twice, one run.
    form_key = models.CharField(_("form key"), max_length=36, blank=True, default="")
    # Shops left out and why ({"vendor": id, "name": ..., "reason": "no_bank_account"}).
    skipped = models.JSONField(_("left out"), default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("payout run")
        verbose_name_plural = _("payout runs")
        constraints = [
            models.UniqueConstraint(
                fields=["form_key"], condition=~Q(form_key=""), name="payout_run_form_key_once"
            ),
        ]

    def __str__(self):
        return self.number


class Payout(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("sent to the bank")
        PAID = "paid", pgettext_lazy("payout state", "paid")
        FAILED = "failed", _("failed")

    number = models.CharField(
        _("reference"), max_length=16, unique=True, default=new_payout_number, editable=False
    )
    run = models.ForeignKey(
        PayoutRun, on_delete=models.PROTECT, related_name="payouts", verbose_name=_("run")
    )
    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, related_name="payouts", verbose_name=_("shop")
    )
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2)
    # The bank account as it was when the run was made.
    payee = models.CharField(_("account holder"), max_length=80)
    bank = models.CharField(_("bank"), max_length=80)
    branch = models.CharField(_("branch"), max_length=80, blank=True)
    account_number = models.CharField(_("account number"), max_length=32)
    state = models.CharField(
        _("state"), max_length=8, choices=State.choices, default=State.PENDING, db_index=True
    )
    bank_reference = models.CharField(_("bank's reference"), max_length=64, blank=True)
    failure_reason = models.CharField(_("why it failed"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
            # One payout per shop per run, whatever two staff members click.
            models.UniqueConstraint(fields=["run", "vendor"], name="payout_once_per_run"),
        ]

    def __str__(self):
        return self.number

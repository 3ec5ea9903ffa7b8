"""Each shop's account in the admin: its balance, what is available now, what waits for
receipt and what becomes available later (summed for the whole page in one query), with
links to its entries and its statement; and the bank accounts payouts go to, with every
change (account numbers shown by their last four digits only)."""

from decimal import Decimal

from django.contrib import admin
from django.db.models import Q, QuerySet, Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orders.readonly_admin import ReadOnlyModelAdmin
from settlement.admin.ledger import yuan
from settlement.models import BankAccount, BankAccountChange, ShopAccount

ZERO = Decimal("0.00")


@admin.register(ShopAccount)
class ShopAccountAdmin(ReadOnlyModelAdmin):
    list_display = ["vendor", "money", "available_now", "waiting", "later", "links"]
    list_select_related = ["vendor"]
    search_fields = ["vendor__name", "vendor__name_en"]
    ordering = ["vendor__name"]
    show_full_result_count = False
    fields = ["vendor", "money", "available_now", "waiting", "later", "links"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[ShopAccount]:
        now = timezone.now()
        amount = "vendor__ledger_entries__amount"
        at = "vendor__ledger_entries__available_at"
        return (
            super()
            .get_queryset(request)
            .annotate(
                available_sum=Sum(amount, filter=Q(**{f"{at}__lte": now})),
                waiting_sum=Sum(amount, filter=Q(**{f"{at}__isnull": True})),
                later_sum=Sum(amount, filter=Q(**{f"{at}__gt": now})),
            )
        )

    @admin.display(description=_("balance (CNY)"), ordering="balance")
    def money(self, account: ShopAccount) -> str:
        return yuan(account.balance)

    @admin.display(description=_("available now"), ordering="available_sum")
    def available_now(self, account: ShopAccount) -> str:
        return yuan(account.available_sum or ZERO)

    @admin.display(description=_("waiting for receipt"), ordering="waiting_sum")
    def waiting(self, account: ShopAccount) -> str:
        return yuan(account.waiting_sum or ZERO)

    @admin.display(description=_("available later"), ordering="later_sum")
    def later(self, account: ShopAccount) -> str:
        return yuan(account.later_sum or ZERO)

    @admin.display(description=_("ledger"))
    def links(self, account: ShopAccount) -> str:
        return format_html(
            '<a href="{}?vendor__id__exact={}">{}</a> · <a href="{}?vendor={}">{}</a>',
            reverse("admin:settlement_ledgerentry_changelist"),
            account.vendor_id,
            _("entries"),
            reverse("admin:settlement_statement"),
            account.vendor_id,
            _("statement"),
        )


@admin.register(BankAccount)
class BankAccountAdmin(ReadOnlyModelAdmin):
    """Entered by each shop's owner; staff read it (the number by its last digits)."""

    list_display = [
        "vendor",
        "payee",
        "bank",
        "branch",
        "account_masked",
        "updated_at",
        "updated_by",
    ]
    list_select_related = ["vendor", "updated_by"]
    search_fields = ["vendor__name", "payee", "bank"]
    show_full_result_count = False
    fields = list_display
    readonly_fields = fields

    @admin.display(description=_("account number"))
    def account_masked(self, account: BankAccount) -> str:
        return account.account_masked


def _last4(values: dict | None) -> str:
    if not values:
        return "—"
    number = str(values.get("account_number", ""))
    return f"{values.get('payee', '')} · {values.get('bank', '')} ···· {number[-4:]}"


@admin.register(BankAccountChange)
class BankAccountChangeAdmin(ReadOnlyModelAdmin):
    list_display = ["at", "shop", "was", "became", "by_whom", "ip_address"]
    list_select_related = ["vendor", "by"]
    list_filter = ["at"]
    search_fields = ["vendor__name", "by__username", "ip_address"]
    show_full_result_count = False
    fields = list_display
    readonly_fields = fields

    @admin.display(description=_("shop"), ordering="vendor__name")
    def shop(self, change: BankAccountChange) -> str:
        return str(change.vendor)

    @admin.display(description=pgettext_lazy("who did it", "by"), ordering="by__username")
    def by_whom(self, change: BankAccountChange) -> str:
        return str(change.by) if change.by_id else "—"

    @admin.display(description=_("before"))
    def was(self, change: BankAccountChange) -> str:
        return _last4(change.before)

    @admin.display(description=_("after"))
    def became(self, change: BankAccountChange) -> str:
        return _last4(change.after)

"""The shop's funds in the vendor dashboard ("资金"): its balances and what becomes
available when, statements of any period (on the page, as CSV and as Excel), the bank
account payouts go to, and its payouts.

Mounted under /vendor/ by hubei_market/vendor_urls.py; `vendor_view` sets request.vendor
(the signed-in member's current shop) and refuses writes of a shop that is not approved.
Every read is by `request.vendor.pk`: no parameter names a shop, so another shop's
figures cannot be reached."""

from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from catalog.models import VendorMember
from catalog.vendor.access import OWNERS_ONLY, refuse, vendor_view
from orders.sign_in_limits import client_address
from settlement import statement_files, vendor_selectors
from settlement.models import BankAccount
from settlement.selectors import payouts_of, statement, statement_entries, week_of
from settlement.services.bank import FIELDS, save_bank_account
from settlement.vendor_forms import BankAccountForm, StatementPeriodForm

ENTRIES_PER_PAGE = 50
PAYOUTS_PER_PAGE = 25
BANK_SAVED = _("Bank account saved. The change is recorded and the shop's owners are told.")
BANK_UNCHANGED = _("That is the account payouts already go to: nothing changed.")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _is_owner(request: HttpRequest) -> bool:
    return request.vendor_member.role == VendorMember.Role.OWNER


@vendor_view
def funds(request: HttpRequest) -> HttpResponse:
    this_week = week_of(timezone.localdate())
    last_week = week_of(this_week[0] - timedelta(days=7))
    return render(
        request,
        "settlement/vendor/funds.html",
        {
            "funds": vendor_selectors.funds_of(request.vendor.pk),
            "this_week": this_week,
            "last_week": last_week,
            "delay_days": settings.SETTLEMENT_DELAY_DAYS,
            "is_owner": _is_owner(request),
        },
    )


def _period(request: HttpRequest) -> tuple[StatementPeriodForm, tuple[date, date] | None]:
    """The form of the period asked for (this week when none is), and the period if it
    is one."""
    if "start" in request.GET or "end" in request.GET:
        form = StatementPeriodForm(request.GET)
    else:
        start, end = week_of(timezone.localdate())
        form = StatementPeriodForm({"start": start.isoformat(), "end": end.isoformat()})
    if not form.is_valid():
        return form, None
    return form, (form.cleaned_data["start"], form.cleaned_data["end"])


def _statement_page(
    request: HttpRequest, form: StatementPeriodForm, period: tuple[date, date] | None
) -> HttpResponse:
    context = {
        "form": form,
        "weeks": vendor_selectors.recent_weeks(),
        "report": None,
        "page": None,
    }
    if period is not None:
        report = statement(request.vendor.pk, *period)
        entries = statement_entries(request.vendor.pk, *period)
        context["report"] = report
        context["lines"] = [
            (label, report.totals[line])
            for line, label in statement_files.summary_labels().items()
            if line in statement_files.SUMMARY_LINES
        ]
        context["page"] = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
        context["query"] = f"start={period[0].isoformat()}&end={period[1].isoformat()}"
    return render(
        request,
        "settlement/vendor/statement.html",
        context,
        status=200 if period is not None else 400,
    )


@vendor_view
def funds_statement(request: HttpRequest) -> HttpResponse:
    form, period = _period(request)
    return _statement_page(request, form, period)


@vendor_view
def funds_statement_csv(request: HttpRequest) -> HttpResponse:
    form, period = _period(request)
    if period is None:
        return _statement_page(request, form, period)
    report = statement(request.vendor.pk, *period)
    response = StreamingHttpResponse(
        statement_files.csv_lines(request.vendor, report), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, statement_files.filename(request.vendor, *period, "csv")
    )
    return response


@vendor_view
def funds_statement_xlsx(request: HttpRequest) -> HttpResponse:
    form, period = _period(request)
    if period is None:
        return _statement_page(request, form, period)
    report = statement(request.vendor.pk, *period)
    return FileResponse(
        statement_files.xlsx_file(request.vendor, report),
        as_attachment=True,
        filename=statement_files.filename(request.vendor, *period, "xlsx"),
        content_type=XLSX,
    )


def _unchanged(account: BankAccount | None, values: dict) -> bool:
    return account is not None and all(getattr(account, f) == values[f] for f in FIELDS)


@vendor_view
def funds_bank(request: HttpRequest) -> HttpResponse:
    """Owners enter or change the account (recorded, and told to every owner); other
    members read it, masked."""
    is_owner = _is_owner(request)
    if request.method == "POST" and not is_owner:
        return refuse(request, OWNERS_ONLY)
    account = vendor_selectors.bank_account_of(request.vendor.pk)
    form = None
    if is_owner:
        initial = {f: getattr(account, f) for f in ("payee", "bank", "branch")} if account else {}
        form = BankAccountForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            if _unchanged(account, form.cleaned_data):
                messages.info(request, BANK_UNCHANGED)
            else:
                save_bank_account(
                    request.vendor,
                    **form.cleaned_data,
                    by=request.user,
                    ip_address=client_address(request),
                )
                messages.success(request, BANK_SAVED)
            return redirect("vendor:funds_bank")
    return render(
        request,
        "settlement/vendor/bank.html",
        {
            "account": account,
            "form": form,
            "is_owner": is_owner,
            "changes": vendor_selectors.bank_account_changes(request.vendor.pk) if is_owner else [],
        },
        status=400 if form is not None and form.is_bound else 200,
    )


@vendor_view
def funds_payouts(request: HttpRequest) -> HttpResponse:
    page = Paginator(payouts_of(request.vendor.pk), PAYOUTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "settlement/vendor/payouts.html", {"page": page})

"""Payout runs in the admin: a new run (the minimum, a preview of who would be paid,
then confirmed: payouts.create_run), a run's payouts and the shops left out, its bank
batch (CSV), and each payout marked paid (the bank's reference) or failed (why; the
money goes back to the shop). Payouts themselves are read-only."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.models import Vendor
from orders.readonly_admin import ReadOnlyModelAdmin
from settlement.admin.forms import MarkFailedForm, MarkPaidForm, PayoutRunForm
from settlement.admin.ledger import yuan
from settlement.exports import bank_batch_rows, csv_response
from settlement.models import Payout, PayoutRun
from settlement.selectors import payout_preview
from settlement.services import payouts
from settlement.services.payouts import Skip

State = Payout.State
RUN_PERMISSION = "settlement.add_payoutrun"
MARK_PERMISSION = "settlement.change_payout"
RUN_MADE = _("Payout run %(number)s made: %(count)s payouts.")
RUN_ALREADY = _(
    "Payout run %(number)s was made by this confirmation already: nothing more was paid."
)
MARKED_PAID = _("Payout %(number)s marked paid.")
MARKED_FAILED = _("Payout %(number)s marked failed: %(amount)s is back in the shop's balance.")


def skip_reasons() -> dict[str, str]:
    return {
        Skip.NO_BANK_ACCOUNT: str(_("no bank account")),
        Skip.BELOW_MINIMUM: str(_("below the minimum when paid (another run took its money)")),
    }


@admin.register(PayoutRun)
class PayoutRunAdmin(ReadOnlyModelAdmin):
    list_display = [
        "number",
        "created_at",
        "created_by",
        "minimum_yuan",
        "payout_count",
        "total",
        "paid_count",
        "pending_count",
        "failed_count",
    ]
    list_select_related = ["created_by"]
    search_fields = ["number", "payouts__number"]
    show_full_result_count = False
    change_list_template = "admin/settlement/payoutrun/change_list.html"
    change_form_template = "admin/settlement/payoutrun/change_form.html"
    fields = ["number", "created_at", "created_by", "minimum_yuan", "payout_count", "total"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[PayoutRun]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_payouts=Count("payouts"),
                payouts_total=Sum("payouts__amount"),
                n_paid=Count("payouts", filter=Q(payouts__state=State.PAID)),
                n_pending=Count("payouts", filter=Q(payouts__state=State.PENDING)),
                n_failed=Count("payouts", filter=Q(payouts__state=State.FAILED)),
            )
        )

    @admin.display(description=_("minimum payout (CNY)"), ordering="minimum")
    def minimum_yuan(self, run: PayoutRun) -> str:
        return yuan(run.minimum)

    @admin.display(description=pgettext_lazy("how many", "payouts"), ordering="n_payouts")
    def payout_count(self, run: PayoutRun) -> int:
        return run.n_payouts

    @admin.display(description=_("total (CNY)"), ordering="payouts_total")
    def total(self, run: PayoutRun) -> str:
        return yuan(run.payouts_total) or "—"

    @admin.display(description=_("paid"), ordering="n_paid")
    def paid_count(self, run: PayoutRun) -> int:
        return run.n_paid

    @admin.display(description=_("sent to the bank"), ordering="n_pending")
    def pending_count(self, run: PayoutRun) -> int:
        return run.n_pending

    @admin.display(description=_("failed"), ordering="n_failed")
    def failed_count(self, run: PayoutRun) -> int:
        return run.n_failed

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("new/", wrap(self.new_run_view), name="settlement_payoutrun_new"),
            path(
                "<path:object_id>/bank-batch/",
                wrap(self.bank_batch_view),
                name="settlement_payoutrun_bank_batch",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_run": request.user.has_perm(RUN_PERMISSION),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The run's payouts (each with its mark forms while pending) and who was left out."""
        run = self.get_object(request, object_id)
        if run is not None:
            reasons = skip_reasons()
            names = Vendor.objects.in_bulk([row.get("vendor") for row in run.skipped])
            extra_context = {
                **(extra_context or {}),
                "payouts": run.payouts.select_related("vendor", "finished_by").order_by("pk"),
                "left_out": [
                    (
                        names.get(row.get("vendor")),
                        reasons.get(row.get("reason"), row.get("reason")),
                    )
                    for row in run.skipped
                ],
                "can_mark": request.user.has_perm(MARK_PERMISSION),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def new_run_view(self, request: HttpRequest) -> HttpResponse:
        """The minimum, then a preview (how many shops, how much, who is left out for
        having no bank account), then confirmed: the run is made."""
        if not request.user.has_perm(RUN_PERMISSION):
            raise PermissionDenied
        preview = None
        if request.method == "POST":
            form = PayoutRunForm(request.POST)
            if form.is_valid():
                minimum = form.cleaned_data["minimum"]
                if form.cleaned_data["confirmed"] and "edit" not in request.POST:
                    key = form.cleaned_data["form_key"]
                    try:
                        run = payouts.create_run(minimum, by=request.user, key=key)
                    except ValidationError as error:
                        form.add_error("minimum", error)
                    except IntegrityError:  # confirmed twice: the first made the run
                        run = PayoutRun.objects.get(form_key=key)
                        self.message_user(request, RUN_ALREADY % {"number": run.number})
                        return HttpResponseRedirect(
                            reverse("admin:settlement_payoutrun_change", args=[run.pk])
                        )
                    else:
                        self.log_addition(request, run, str(_("Payout run")))
                        self.message_user(
                            request,
                            RUN_MADE % {"number": run.number, "count": run.payouts.count()},
                            messages.SUCCESS,
                        )
                        return HttpResponseRedirect(
                            reverse("admin:settlement_payoutrun_change", args=[run.pk])
                        )
                elif "edit" not in request.POST:
                    preview = payout_preview(minimum)
        else:
            form = PayoutRunForm(initial={"minimum": PayoutRunForm.default_minimum()})
        return TemplateResponse(
            request,
            "admin/settlement/payoutrun/new.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Confirm the payout run") if preview else _("New payout run"),
                "opts": self.model._meta,
                "form": form,
                "preview": preview,
                "preview_total": preview and yuan(preview.total),
                "preview_minimum": preview and yuan(preview.minimum),
                "form_key": form.confirmation_key(),
            },
        )

    def bank_batch_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The run's payouts as the bank's batch file (whoever marks payouts sends it)."""
        if not request.user.has_perm(MARK_PERMISSION):
            raise PermissionDenied
        run = self.get_object(request, object_id)
        if run is None:
            raise Http404
        return csv_response(bank_batch_rows(run), f"{run.number}-bank-batch.csv")


@admin.register(Payout)
class PayoutAdmin(ReadOnlyModelAdmin):
    list_display = [
        "number",
        "run",
        "vendor",
        "money",
        "state",
        "payee",
        "bank",
        "account_masked",
        "bank_reference",
        "failure_reason",
        "created_at",
        "finished_at",
        "finished_by",
    ]
    list_filter = ["state", "run", "vendor"]
    list_select_related = ["run", "vendor", "finished_by"]
    search_fields = ["number", "run__number", "vendor__name", "bank_reference"]
    show_full_result_count = False
    fields = list_display
    readonly_fields = fields

    @admin.display(description=_("amount (CNY)"), ordering="amount")
    def money(self, payout: Payout) -> str:
        return yuan(payout.amount)

    @admin.display(description=_("account number"))
    def account_masked(self, payout: Payout) -> str:
        return "···· " + payout.account_number[-4:]

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/paid/",
                wrap(self.mark_view),
                {"outcome": State.PAID},
                name="settlement_payout_paid",
            ),
            path(
                "<path:object_id>/failed/",
                wrap(self.mark_view),
                {"outcome": State.FAILED},
                name="settlement_payout_failed",
            ),
            *super().get_urls(),
        ]

    def mark_view(self, request: HttpRequest, object_id: str, outcome: str) -> HttpResponse:
        """Mark a payout paid (the bank's reference) or failed (why): refused, nothing
        changed, once it is no longer pending."""
        if not request.user.has_perm(MARK_PERMISSION):
            raise PermissionDenied
        payout = self.get_object(request, object_id)
        if payout is None:
            raise Http404
        form_class = MarkPaidForm if outcome == State.PAID else MarkFailedForm
        run_url = reverse("admin:settlement_payoutrun_change", args=[payout.run_id])
        form = form_class(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                if outcome == State.PAID:
                    payouts.mark_paid(
                        payout, bank_reference=form.cleaned_data["bank_reference"], by=request.user
                    )
                else:
                    payouts.mark_failed(payout, reason=form.cleaned_data["reason"], by=request.user)
            except ValidationError as error:
                _add_error(form, error)
            else:
                done = MARKED_PAID if outcome == State.PAID else MARKED_FAILED
                self.log_change(
                    request,
                    payout,
                    str(done % {"number": payout.number, "amount": yuan(payout.amount)}),
                )
                self.message_user(
                    request,
                    done % {"number": payout.number, "amount": yuan(payout.amount)},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(run_url)
        return TemplateResponse(
            request,
            "admin/settlement/payout/mark.html",
            {
                **self.admin_site.each_context(request),
                "title": (
                    _("Mark payout %(number)s paid")
                    if outcome == State.PAID
                    else _("Mark payout %(number)s failed")
                )
                % {"number": payout.number},
                "opts": self.model._meta,
                "original": payout,
                "amount": yuan(payout.amount),
                "form": form,
                "pending": payout.state == State.PENDING,
                "run_url": run_url,
            },
        )


def _add_error(form: forms.Form, error: ValidationError) -> None:
    code = getattr(error, "code", None)
    field = {"reference_required": "bank_reference", "reason_required": "reason"}.get(code)
    form.add_error(field, error)

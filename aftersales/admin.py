"""After-sales requests in the admin: the escalation queue (平台介入) staff work through,
oldest deadline first, each request read-only with its photos and its timeline, and the
decision page, the one place staff move money on a request (aftersales.services.decide,
with who and why recorded as an event)."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from aftersales import services
from aftersales.models import AfterSalesRequest, RequestEvent, RequestPhoto
from aftersales.states import OPEN_STATES, State
from orders.readonly_admin import ReadOnlyModelAdmin
from payments.models import Refund

DECIDE_PERMISSION = "aftersales.decide_aftersalesrequest"
QUEUE = "queue"  # the changelist's parameter for QueueFilter
DECIDED = _("Request %(number)s decided: %(outcome)s.")
# Errors of the service shown beside the amount (the rest above the form).
AMOUNT_ERRORS = ("negative", "above_asked", "not_positive")
NOTE_ERRORS = ("note_required", "note_too_long")


class RefundStateFilter(admin.SimpleListFilter):
    """The gateway refund's state (a failed one is owed to the shopper another way)."""

    title = _("refund at the gateway")
    parameter_name = "refund_state"

    def lookups(self, request, model_admin):
        return Refund.State.choices

    def queryset(self, request, queryset):
        if self.value() in Refund.State.values:
            return queryset.filter(refund__state=self.value())
        return queryset


class QueueFilter(admin.SimpleListFilter):
    """The escalation queue first: the list opens on what waits for staff."""

    title = _("queue")
    parameter_name = QUEUE
    STAFF, OPEN, ALL = "staff", "open", "all"

    def lookups(self, request, model_admin):
        return [(self.STAFF, _("Needs staff")), (self.OPEN, _("Open"))]

    def choices(self, changelist):
        yield {
            "selected": self.value() == self.ALL,
            "query_string": changelist.get_query_string({self.parameter_name: self.ALL}),
            "display": _("All"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == self.STAFF:
            return queryset.filter(state=State.ESCALATED)
        if self.value() == self.OPEN:
            return queryset.filter(state__in=OPEN_STATES)
        return queryset


class RequestPartInline(admin.TabularInline):
    """Part of a request (its photos, its steps): seen by whoever may see the request,
    written only by the services."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("aftersales.view_aftersalesrequest")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PhotoInline(RequestPartInline):
    model = RequestPhoto
    fields = ["preview", "position"]
    readonly_fields = fields
    verbose_name_plural = _("photos of what arrived")

    @admin.display(description=_("photo"))
    def preview(self, photo):
        """The thumbnail, opening the photo itself."""
        return format_html(
            '<a href="{}" target="_blank" rel="noopener"><img src="{}" width="120" alt="{}"></a>',
            photo.image.url,
            photo.thumbnail.url,
            _("photo %(position)s") % {"position": photo.position + 1},
        )


class EventInline(RequestPartInline):
    """The timeline: every step, who took it and why (the messages between them)."""

    model = RequestEvent
    fields = ["at", "actor", "by", "step", "note", "amount"]
    readonly_fields = fields
    verbose_name_plural = _("timeline")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")

    @admin.display(description=_("step"))
    def step(self, event):
        if not event.from_state:
            return event.to_label
        return f"{State(event.from_state).label} → {event.to_label}"


class DecisionForm(forms.Form):
    """Staff's decision: how much goes back (0: nothing, the request closes) and why."""

    amount = forms.DecimalField(
        label=_("Amount to refund (CNY)"),
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        help_text=_("0 refunds nothing and closes the request."),
    )
    note = forms.CharField(
        label=_("Why"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_("The shopper and the shop both read it."),
    )
    confirm = forms.BooleanField(
        label=_("I have looked at the photos and the timeline, and this is my decision."),
    )


@admin.register(AfterSalesRequest)
class AfterSalesRequestAdmin(ReadOnlyModelAdmin):
    """Read-only: staff never edit a request's money by hand; they decide it."""

    list_display = [
        "number",
        "state",
        "deadline",
        "kind",
        "vendor",
        "order_link",
        "amount",
        "offered_amount",
        "refunded_amount",
        "owed_by_shop",
        "created_at",
    ]
    list_filter = [QueueFilter, "state", "kind", "owed_by_shop", RefundStateFilter, "vendor"]
    list_select_related = ["order", "vendor"]
    search_fields = ["number", "order__number", "order__mobile", "shopper__username"]
    show_full_result_count = False
    change_form_template = "admin/aftersales/aftersalesrequest/change_form.html"
    inlines = [PhotoInline, EventInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "number",
                    "state",
                    "deadline",
                    "order_link",
                    "line",
                    "vendor",
                    "shopper",
                    "kind",
                    "reason",
                    "description",
                    "quantity",
                ]
            },
        ),
        (
            _("Money"),
            {
                "fields": [
                    "amount",
                    "shipping",
                    "offered_amount",
                    "refunded_amount",
                    "refunded_weight_g",
                    "refund_link",
                    "owed_by_shop",
                ]
            },
        ),
        (
            _("Return"),
            {
                "fields": [
                    "return_address",
                    "return_carrier",
                    "return_tracking_number",
                    "returned_at",
                    "received_back_at",
                ]
            },
        ),
        (None, {"fields": ["created_at", "updated_at", "closed_at"]}),
    ]
    readonly_fields = ["deadline", "order_link", "refund_link"]

    def changelist_view(self, request, extra_context=None):
        """Opened from the index (no filter at all): the escalation queue."""
        if not request.GET:
            return HttpResponseRedirect(f"{request.path}?{QUEUE}={QueueFilter.STAFF}")
        return super().changelist_view(request, extra_context)

    def get_ordering(self, request):
        """The queue by deadline, the longest overdue first; otherwise the newest first."""
        if (
            request.GET.get(QUEUE) == QueueFilter.STAFF
            or request.GET.get("state__exact") == State.ESCALATED
        ):
            return ["due_at", "pk"]
        return super().get_ordering(request)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order", "vendor", "shopper")

    @admin.display(description=_("order"), ordering="order__number")
    def order_link(self, request_):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:orders_order_change", args=[request_.order_id]),
            request_.order.number,
        )

    @admin.display(description=_("refund"))
    def refund_link(self, request_):
        if request_.refund_id is None:
            return "-"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:payments_refund_change", args=[request_.refund_id]),
            _("the gateway refund"),
        )

    @admin.display(description=_("due"), ordering="due_at")
    def deadline(self, request_):
        """How late it is, or how long is left, in hours (the queue's urgency)."""
        if request_.due_at is None or not request_.is_open:
            return "-"
        seconds = (request_.due_at - timezone.now()).total_seconds()
        hours = int(abs(seconds) // 3600)
        if seconds < 0:
            text = ngettext("late by %(hours)d h", "late by %(hours)d h", hours)
        else:
            text = ngettext("in %(hours)d h", "in %(hours)d h", hours)
        return format_html(
            '<span title="{}">{}</span>',
            timezone.localtime(request_.due_at).strftime("%Y-%m-%d %H:%M"),
            text % {"hours": hours},
        )

    def get_urls(self):
        decide = self.admin_site.admin_view(self.decide_view)
        return [
            path("<path:object_id>/decide/", decide, name="aftersales_aftersalesrequest_decide"),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["can_decide"] = (
            obj is not None
            and obj.state == State.ESCALATED
            and request.user.has_perm(DECIDE_PERMISSION)
        )
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def decide_view(self, request, object_id):
        """Staff decide an escalated request: the amount (asked, offered, or any up to
        what was asked; 0 closes it) and why. The service's refusal (decided meanwhile
        by someone else, above what was asked) is shown on the form, nothing changed."""
        if not request.user.has_perm(DECIDE_PERMISSION):
            raise PermissionDenied
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404
        change_url = reverse("admin:aftersales_aftersalesrequest_change", args=[obj.pk])
        if request.method == "POST":
            form = DecisionForm(request.POST)
            if form.is_valid():
                try:
                    decided = services.decide(
                        obj,
                        amount=form.cleaned_data["amount"],
                        note=form.cleaned_data["note"],
                        by=request.user,
                    )
                except ValidationError as error:
                    _add_service_error(form, error)
                else:
                    self.log_change(request, decided, str(_("Decided")))
                    self.message_user(
                        request,
                        DECIDED % {"number": decided.number, "outcome": _outcome(decided)},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(change_url)
        else:
            form = DecisionForm(initial={"amount": _asked_amount(request, obj)})
        return TemplateResponse(
            request,
            "admin/aftersales/aftersalesrequest/decide.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Decide request %(number)s") % {"number": obj.number},
                "opts": self.model._meta,
                "original": obj,
                "change_url": change_url,
                "form": form,
                "escalated": obj.state == State.ESCALATED,
                "photos": obj.photos.all(),
                "events": obj.events.select_related("by"),
            },
        )


def _add_service_error(form: DecisionForm, error: ValidationError) -> None:
    code = getattr(error, "code", None)
    if code in AMOUNT_ERRORS:
        form.add_error("amount", error)
    elif code in NOTE_ERRORS:
        form.add_error("note", error)
    else:
        form.add_error(None, error)


def _outcome(request_: AfterSalesRequest) -> str:
    if request_.state == State.REFUNDED:
        return _("¥%(amount)s refunded") % {"amount": request_.refunded_amount}
    return str(_("nothing refunded, closed"))


def _asked_amount(request, obj: AfterSalesRequest) -> Decimal:
    """The amount a quick link asks for (`?amount=`), else what the shopper asked."""
    try:
        amount = Decimal(request.GET.get("amount", ""))
    except (InvalidOperation, ValueError):
        return obj.amount
    if not amount.is_finite() or not 0 <= amount <= obj.amount:
        return obj.amount
    return amount.quantize(Decimal("0.01"))

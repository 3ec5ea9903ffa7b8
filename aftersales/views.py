"""The shopper's after-sales pages: their requests, a new one about an order line, one
request with its timeline, and the shopper's steps (each a POST calling one service)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from aftersales import selectors, services
from aftersales.amounts import cap_for
from aftersales.forms import ConfirmForm, EscalateForm, RequestForm, ReturnForm
from aftersales.states import State
from orders.shipping.carriers import carrier_named

REQUESTS_PER_PAGE = 20
OPENED = _("Your request %(number)s is sent: the shop answers within %(hours)s hours.")
ACCEPTED = _("You accepted the offer: the refund is on its way.")
ESCALATED = _("Our staff will look at your request and decide.")
RETURN_SENT = _("Thank you: the shop confirms when the goods arrive, then you are refunded.")
WITHDRAWN = _("Your request is withdrawn.")
STEPS = {"accept", "escalate", "return", "withdraw"}


@login_required
def request_list(request):
    page = Paginator(selectors.requests_for_shopper(request.user), REQUESTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "aftersales/list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request, order_number, line_id):
    """The form about one line of the shopper's order (another's: 404), or why nothing
    can be asked about it now."""
    line = selectors.line_for_shopper(request.user, order_number, line_id)
    allowed = selectors.line_eligibility(line)
    form = None
    if allowed.allowed:
        cap = cap_for(line, line.part, line.refundable_quantity)
        form = RequestForm(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
            kinds=allowed.kinds,
            most_units=line.refundable_quantity,
            initial={"quantity": line.refundable_quantity, "amount": cap.total},
        )
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                opened = services.open_request(
                    line,
                    shopper=request.user,
                    kind=data["kind"],
                    reason=data["reason"],
                    quantity=data["quantity"],
                    amount=data.get("amount"),
                    description=data["description"],
                    photos=data.get("photos") or [],
                )
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(
                    request,
                    OPENED % {"number": opened.number, "hours": settings.AFTERSALES_REPLY_HOURS},
                )
                return redirect("aftersales:detail", number=opened.number)
    else:
        cap = None
    return render(
        request,
        "aftersales/new.html",
        {"line": line, "order": line.part.order, "allowed": allowed, "form": form, "cap": cap},
    )


@login_required
def request_detail(request, number):
    after_sale = selectors.request_for_shopper(request.user, number)
    return _detail(request, after_sale)


def _detail(request, after_sale, *, escalate_form=None, return_form=None, status=200):
    state = after_sale.state
    context = {
        "after_sale": after_sale,
        "line": after_sale.line,
        "order": after_sale.order,
        "photos": list(after_sale.photos.all()),
        "events": list(after_sale.events.all()),
        "carrier": carrier_named(after_sale.return_carrier),
        "can_accept": state == State.OFFERED,
        "can_escalate": state in (State.OFFERED, State.REFUSED),
        "can_return": state == State.AWAITING_RETURN,
        "can_withdraw": state
        in (State.REQUESTED, State.OFFERED, State.REFUSED, State.AWAITING_RETURN),
        "confirm_withdraw": request.GET.get("withdraw") == "1",
        "escalate_form": escalate_form or EscalateForm(),
        "return_form": return_form or ReturnForm(),
    }
    return render(request, "aftersales/detail.html", context, status=status)


@login_required
@require_POST
def request_step(request, number, step):
    """One of the shopper's steps on their request (another's: 404). A form's mistakes
    show on the request's page; a step that can no longer be taken says why."""
    if step not in STEPS:
        raise Http404
    after_sale = selectors.request_for_shopper(request.user, number)
    try:
        if step == "accept":
            services.accept_offer(after_sale, by=request.user)
            done = ACCEPTED
        elif step == "escalate":
            form = EscalateForm(request.POST)
            if not form.is_valid():
                return _detail(request, after_sale, escalate_form=form)
            services.escalate(after_sale, note=form.cleaned_data["note"], by=request.user)
            done = ESCALATED
        elif step == "return":
            form = ReturnForm(request.POST)
            if not form.is_valid():
                return _detail(request, after_sale, return_form=form)
            try:
                services.send_return(
                    after_sale,
                    carrier=form.cleaned_data["carrier"],
                    tracking_number=form.cleaned_data["tracking_number"],
                    by=request.user,
                )
            except ValidationError as error:
                if error.error_list[0].code == "not_now":
                    raise
                form.add_service_error(error)
                return _detail(request, after_sale, return_form=form)
            done = RETURN_SENT
        else:  # withdraw: only by the confirmation's "yes"
            if not ConfirmForm(request.POST).is_valid():
                return redirect(
                    reverse("aftersales:detail", args=[after_sale.number]) + "?withdraw=1"
                )
            services.withdraw(after_sale, by=request.user)
            done = WITHDRAWN
    except ValidationError as error:
        for problem in error.messages:
            messages.error(request, problem)
    else:
        messages.success(request, done)
    return redirect("aftersales:detail", number=after_sale.number)

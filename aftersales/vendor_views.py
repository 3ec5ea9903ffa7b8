"""The shop's after-sales pages in the vendor dashboard: its requests (the open ones,
soonest deadline first, or all), a request's page with the shop's answers, and the
answers themselves.

Mounted under /vendor/ by hubei_market/vendor_urls.py; `vendor_view` sets request.vendor
and refuses writes of a shop that is not approved. Requests are reached only through the
selectors filtered by `request.vendor`, so another shop's request is a 404.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from aftersales import services, vendor_selectors
from aftersales.models import AfterSalesRequest
from aftersales.states import State
from aftersales.vendor_forms import (
    ApproveForm,
    ApproveReturnForm,
    OfferForm,
    ReceivedForm,
    RefuseForm,
)
from catalog.vendor.access import vendor_view

REQUESTS_PER_PAGE = 25
OPEN_TAB, ALL_TAB = "open", "all"
Kind = AfterSalesRequest.Kind


@dataclass(frozen=True)
class Step:
    """One answer the shop gives: its form, the service it calls, what it says when done."""

    form: type[forms.Form]
    act: Callable[..., AfterSalesRequest]
    done: str


STEPS = {
    "approve": Step(
        ApproveForm,
        lambda request, by, data: services.approve(request, by=by),
        _("Approved: the shopper is refunded and told."),
    ),
    "approve-return": Step(
        ApproveReturnForm,
        lambda request, by, data: services.approve_return(
            request, return_address=data["return_address"], by=by
        ),
        _("Return approved: the shopper is told where to send the goods."),
    ),
    "offer": Step(
        OfferForm,
        lambda request, by, data: services.offer(
            request, amount=data["amount"], note=data["note"], by=by
        ),
        _("Offer sent: the shopper accepts it or asks the platform to decide."),
    ),
    "refuse": Step(
        RefuseForm,
        lambda request, by, data: services.refuse(request, reason=data["reason"], by=by),
        _("Refused: the shopper is told why and may ask the platform to decide."),
    ),
    "received": Step(
        ReceivedForm,
        lambda request, by, data: services.confirm_returned(request, by=by),
        _("Goods received: they are back in stock and the shopper is refunded."),
    ),
}


@vendor_view
def request_list(request: HttpRequest) -> HttpResponse:
    tab = ALL_TAB if request.GET.get("tab") == ALL_TAB else OPEN_TAB
    if tab == OPEN_TAB:
        requests = vendor_selectors.open_requests_for_vendor(request.vendor)
    else:
        requests = vendor_selectors.requests_for_vendor(request.vendor)
    page = Paginator(requests, REQUESTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "vendor/aftersales/list.html", {"page": page, "tab": tab})


def _forms_for(request: HttpRequest, aftersales: AfterSalesRequest) -> dict[str, forms.Form]:
    """The answers the shop may give now, unbound (the return address prefilled with the
    one it gave last), keyed as the template reads them."""
    if aftersales.state == State.REQUESTED:
        answers = {"offer": OfferForm(), "refuse": RefuseForm()}
        if aftersales.kind == Kind.RETURN_REFUND:
            address = vendor_selectors.last_return_address(request.vendor)
            answers["approve_return"] = ApproveReturnForm(initial={"return_address": address})
        else:
            answers["approve"] = ApproveForm()
        return answers
    if aftersales.state == State.RETURNING:
        return {"received": ReceivedForm()}
    return {}


def _key(step: str) -> str:
    """A step's name as the page's forms are keyed ("approve-return": approve_return)."""
    return step.replace("-", "_")


def _render_request(
    request: HttpRequest,
    aftersales: AfterSalesRequest,
    *,
    bound: tuple[str, forms.Form] | None = None,
) -> HttpResponse:
    answers = _forms_for(request, aftersales)
    if bound is not None and bound[0] in answers:  # the form that was posted, with its errors
        answers[bound[0]] = bound[1]
    return render(
        request,
        "vendor/aftersales/detail.html",
        {
            "aftersales": aftersales,
            "line": aftersales.line,
            "order": aftersales.order,
            "part": aftersales.part,
            "answers": answers,
            "open_step": bound[0] if bound else "",
        },
        status=400 if bound is not None else 200,
    )


def _find(request: HttpRequest, number: str) -> AfterSalesRequest:
    return get_object_or_404(
        vendor_selectors.request_for_vendor_page(request.vendor), number=number
    )


@vendor_view
def request_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _render_request(request, _find(request, number))


@vendor_view
@require_POST
def request_step(request: HttpRequest, number: str, step: str) -> HttpResponse:
    """One answer, from the request's page: a form error or the service's refusal
    (a request the sweep approved a moment ago, an offer not below what was asked) is
    shown on the page again, and nothing changes."""
    aftersales = _find(request, number)
    answer = STEPS.get(step)
    if answer is None:
        raise Http404
    form = answer.form(request.POST)
    if not form.is_valid():
        return _render_request(request, aftersales, bound=(_key(step), form))
    try:
        answer.act(aftersales, request.user, form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _render_request(request, _find(request, number), bound=(_key(step), form))
    messages.success(request, answer.done)
    return redirect("vendor:aftersales_detail", number=aftersales.number)

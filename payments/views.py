"""The cashier (收银台), the page the shopper comes back to, the QR page, and notify_url.

Nothing here marks anything paid from what a browser sends: the return page asks the
gateway, and notify_url takes only what the gateway verifies (payments/services)."""

import io

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from orders import selectors as order_selectors
from orders.models import Order
from orders.sign_in_limits import client_address
from payments import gateways, selectors, services
from payments.devices import device_of

PAID = _("Payment received. The shops are preparing your order.")
NOT_PAID_YET = _("We have not received the payment yet.")


class CashierForm(forms.Form):
    gateway = forms.ChoiceField(label=_("Pay with"), widget=forms.RadioSelect)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gateway"].choices = choices


def _shoppers_order(request, number):
    return get_object_or_404(order_selectors.orders_for_shopper(request.user), number=number)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def cashier(request, number):
    """收银台: the amount, the time left, Alipay or WeChat Pay, and "去支付"."""
    order = _shoppers_order(request, number)
    if order.status != Order.Status.PLACED or order.payment_method not in gateways.ONLINE_METHODS:
        return redirect("orders:detail", number=order.number)
    choices = selectors.gateway_choices()
    form = CashierForm(
        request.POST or None, choices=choices, initial={"gateway": order.payment_method}
    )
    if request.method == "POST" and form.is_valid():
        try:
            payment = services.start_payment(
                order,
                gateway_code=form.cleaned_data["gateway"],
                device=device_of(request),
                client_ip=client_address(request) or "127.0.0.1",
            )
        except ValidationError as error:
            for problem in error.messages:
                messages.error(request, problem)
            return redirect("payments:cashier", number=order.number)
        if payment.qr_text:
            return redirect("payments:qr", number=order.number)
        return HttpResponseRedirect(payment.resume_url)
    deadline = services.pay_deadline(order)
    return render(
        request,
        "payments/cashier.html",
        {"order": order, "form": form, "deadline": deadline, "time_up": timezone.now() >= deadline},
    )


@login_required
@never_cache
def payment_return(request, number):
    """Where the gateway sends the shopper back. Its parameters are never believed: the
    gateway is asked; paid, the order page; not yet, "payment processing"."""
    order = _shoppers_order(request, number)
    if order.status == Order.Status.PLACED and services.sync_order_payments(order):
        order.refresh_from_db()
    if order.status != Order.Status.PLACED:
        if order.status == Order.Status.CONFIRMED:
            messages.success(request, PAID)
        return redirect("orders:detail", number=order.number)
    return render(
        request,
        "payments/processing.html",
        {
            "order": order,
            "deadline": services.pay_deadline(order),
            "started": selectors.latest_payment(order),
        },
    )


@login_required
@never_cache
def qr(request, number):
    """WeChat Pay Native on a computer: the code to scan with the phone, and the page
    moves on by itself when the payment arrives."""
    order = _shoppers_order(request, number)
    payment = selectors.latest_payment(order, with_qr=True)
    if order.status != Order.Status.PLACED or payment is None:
        return redirect("orders:detail", number=order.number)
    return render(
        request,
        "payments/qr.html",
        {
            "order": order,
            "payment": payment,
            "deadline": services.pay_deadline(order),
            "sandbox": settings.PAYMENT_SANDBOX,
        },
    )


@login_required
@never_cache
def qr_image(request, number):
    order = _shoppers_order(request, number)
    payment = selectors.latest_payment(order, with_qr=True)
    if payment is None:
        raise Http404
    image = qrcode.make(payment.qr_text, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    out = io.BytesIO()
    image.save(out)
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


@login_required
@never_cache
def status(request, number):
    """Polled by the processing and QR pages: {"paid": ..., "closed": ...}; htmx is sent
    to the order page once the order is paid or closed."""
    order = _shoppers_order(request, number)
    done = order.status != Order.Status.PLACED
    if done and order.status == Order.Status.CONFIRMED:
        messages.success(request, PAID)
    response = JsonResponse({"paid": order.status == Order.Status.CONFIRMED, "waiting": not done})
    if done and request.htmx:
        response["HX-Redirect"] = reverse("orders:detail", args=[order.number])
    return response


@csrf_exempt
@require_POST
def notify(request, gateway):
    """notify_url: what a gateway sends when a trade is paid. Verified before anything
    changes; the answer is the gateway's own format."""
    if gateway not in gateways.configured():
        raise Http404
    try:
        body, form = request.body, request.POST
    except (RequestDataTooBig, TooManyFieldsSent, MultiPartParserError):
        body, form = b"", QueryDict()  # refused below, and logged, as any other forgery
    answer = services.handle_notification(gateway, headers=request.headers, body=body, form=form)
    return HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)

"""Shopper accounts: sign up, password reset and the address book (sign-in, sign-out and
the rest of the reset are Django's own views, with our templates)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, PasswordResetView
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_POST

from notifications import languages
from orders import services
from orders.forms import AddressForm, OutboxPasswordResetForm, SignUpForm


def _safe_next(request, default):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def sign_up(request):
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        languages.remember_language(user, get_language())  # the language they signed up in
        login(request, user, backend="core.auth_backends.CachedModelBackend")
        messages.success(request, _("Welcome! Your account is ready."))
        return redirect(_safe_next(request, "orders:history"))
    return render(request, "registration/sign_up.html", {"form": form})


class SignInView(LoginView):
    """Django's sign-in, which also brings the account's language along: a shopper who
    chose English on their phone reads English on a new computer once signed in. A
    language already chosen on this device (its cookie) wins and becomes the account's."""

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        chosen = languages.supported_language(
            self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        )
        if chosen:
            languages.remember_language(user, chosen)
            return response
        language = languages.stored_language(user)
        if language:
            languages.set_language_cookie(response, language)
        return response


def set_language(request):
    """Django's language switch; a signed-in person's choice is also kept with their
    account, for their messages and their other devices."""
    response = i18n.set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        languages.remember_language(request.user, request.POST.get("language"))
    return response


# Mounted before django.contrib.auth.urls, under the same name: the email goes through
# the outbox (see OutboxPasswordResetForm).
password_reset = PasswordResetView.as_view(form_class=OutboxPasswordResetForm)


@login_required
def address_list(request):
    return render(request, "orders/addresses.html", {"addresses": request.user.addresses.all()})


@login_required
def address_edit(request, pk=None):
    address = get_object_or_404(request.user.addresses, pk=pk) if pk else None
    regions_url = reverse("orders:address_regions")
    if request.POST.get("refresh_regions"):  # without JavaScript: new lists, nothing saved
        form = AddressForm(initial=request.POST.dict(), instance=address, regions_url=regions_url)
        return render(request, "orders/address_form.html", {"form": form, "address": address})
    form = AddressForm(request.POST or None, instance=address, regions_url=regions_url)
    if request.method == "POST" and form.is_valid():
        services.save_address(request.user, form.save(commit=False))
        messages.success(request, _("Address saved."))
        return redirect(_safe_next(request, "orders:addresses"))
    return render(request, "orders/address_form.html", {"form": form, "address": address})


@login_required
def address_regions(request):
    """The city and district selects for the province (and city) chosen: htmx swaps them
    in when the shopper changes either."""
    form = AddressForm(
        initial={"province": request.GET.get("province", ""), "city": request.GET.get("city", "")},
        regions_url=reverse("orders:address_regions"),
    )
    return render(request, "orders/partials/address_regions.html", {"form": form})


@login_required
@require_POST
def address_delete(request, pk):
    get_object_or_404(request.user.addresses, pk=pk).delete()
    messages.success(request, _("Address removed."))
    return redirect("orders:addresses")

"""The shop dashboard's freight templates (运费模板): the list, a template's form with a
rate row per destination group, deleting, the default, and the fee preview.

Mounted under /vendor/shipping/ by hubei_market/vendor_urls.py. Templates are reached only
through `_own_templates(request)` (request.vendor's), so another shop's template is a 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from catalog.models import Product
from catalog.vendor.access import vendor_view
from orders.shipping import describe
from orders.shipping.fees import Parcel
from orders.shipping.forms import PreviewForm, TemplateForms
from orders.shipping.models import FreightTemplate
from orders.shipping.services import templates as services

SAVED = _("The template “%(name)s” is saved.")
DELETED = _("The template “%(name)s” is deleted.")
NOW_DEFAULT = _("“%(name)s” is now your default template.")


def _own_templates(request):
    return FreightTemplate.objects.filter(vendor=request.vendor)


def _own_template(request, template_id):
    return get_object_or_404(_own_templates(request).prefetch_related("rates"), pk=template_id)


@vendor_view
def template_list(request):
    templates = list(
        _own_templates(request).annotate(linked=Count("product_links")).prefetch_related("rates")
    )
    linked = sum(t.linked for t in templates if not t.is_default)
    products = Product.objects.filter(vendor=request.vendor).count() if templates else 0
    rows = [
        {
            "template": t,
            "rates": describe.rate_rows(t),
            "not_served": describe.not_served_names(t),
            "products": products - linked if t.is_default else t.linked,
        }
        for t in templates
    ]
    return render(request, "vendor/shipping/list.html", {"rows": rows})


def _edit(request, template=None):
    # The page's title names the template as saved, not as a refused post renamed it.
    title = template.name if template else ""
    forms = TemplateForms(
        request.vendor, template, data=request.POST if request.method == "POST" else None
    )
    if request.method == "POST" and forms.is_valid():
        try:
            saved = services.save_template(
                request.vendor, template=template, **forms.values(), by=request.user
            )
        except ValidationError as error:
            forms.form.add_error(None, error)
        else:
            messages.success(request, SAVED % {"name": saved.name})
            return redirect("vendor:shipping")
    return render(
        request,
        "vendor/shipping/form.html",
        {
            "template": template,
            "title": title,
            "form": forms.form,
            "rates": forms.rates,
            "preview_form": PreviewForm() if template else None,
        },
        status=400 if request.method == "POST" else 200,
    )


@vendor_view
def template_create(request):
    return _edit(request)


@vendor_view
def template_edit(request, template_id):
    return _edit(request, _own_template(request, template_id))


@vendor_view
def template_delete(request, template_id):
    template = _own_template(request, template_id)
    others = _own_templates(request).exclude(pk=template.pk).exists()
    if request.method == "POST":
        try:
            services.delete_template(template)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, DELETED % {"name": template.name})
        return redirect("vendor:shipping")
    return render(
        request,
        "vendor/shipping/delete.html",
        {
            "template": template,
            "refused": services.DEFAULT_IN_USE if template.is_default and others else "",
            "last": not others,
            "products": template.product_links.count(),
        },
    )


@vendor_view
@require_POST
def template_default(request, template_id):
    template = services.make_default(_own_template(request, template_id))
    messages.success(request, NOW_DEFAULT % {"name": template.name})
    return redirect("vendor:shipping")


@vendor_view
def template_preview(request, template_id):
    """The fee of a parcel (weight, items, goods amount) to a province: a GET form, or
    with htmx only its result."""
    template = _own_template(request, template_id)
    form = PreviewForm(request.GET if "province" in request.GET else None)
    result = None
    if form.is_valid():
        data = form.cleaned_data
        parcel = Parcel(weight_g=data["weight_g"], units=data["units"], amount=data["amount"] or 0)
        result = describe.preview(template, data["province"], parcel)
    context = {"template": template, "preview_form": form, "result": result}
    if request.htmx:
        return render(request, "vendor/shipping/partials/preview_result.html", context)
    return render(request, "vendor/shipping/preview.html", context)

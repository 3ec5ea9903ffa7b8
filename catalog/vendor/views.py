"""The vendor dashboard's catalog side: applying, members, products, photos, stock.

Mounted under /vendor/ by hubei_market/vendor_urls.py. Every view reaches products only
through `_own_products(request)`, so another shop's product is a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from catalog import product_csv, services
from catalog.models import Product, ProductImage, Vendor
from catalog.vendor.access import SESSION_VENDOR_KEY, memberships_of, vendor_view
from catalog.vendor.forms import (
    AddMemberForm,
    ProductForm,
    ProductImportForm,
    StockAdjustmentForm,
    VendorApplicationForm,
)

PRODUCTS_PER_PAGE = 25
APPLIED = _(
    "Thank you! Staff will review your application; you will hear from us by message and email."
)
SAVED = _("“%(product)s” is saved.")
DELETED = _("“%(product)s” is deleted.")
PUBLISHED = _("“%(product)s” is on sale now.")
UNPUBLISHED = _("“%(product)s” is hidden from shoppers (draft).")
STOCK_CHANGED = _("Stock of “%(product)s” is now %(stock)s.")
PHOTO_DELETED = _("The photo is deleted.")
MEMBER_ADDED = _("%(user)s can now work on this shop.")
MEMBER_REMOVED = _("%(user)s no longer works on this shop.")
IMPORTED = _("Imported: %(created)s new products, %(updated)s updated.")


def _own_products(request):
    return Product.objects.filter(vendor=request.vendor)


def _back(request, default):
    """Where a small form on a list page returns to: its own page, never another site."""
    target = request.POST.get("next", "")
    # A path of this site only: anything else ("1", a view name) would make redirect()
    # try to reverse it, and a control character has no place in a Location header.
    if (
        target.startswith("/")
        and target.isprintable()
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return redirect(target)
    return redirect(default)


# --- Applying ------------------------------------------------------------------------------


@login_required
def apply(request):
    """Apply for a shop; show where the application stands; re-apply after a rejection."""
    if memberships_of(request.user):
        return redirect("vendor:home")
    application = (
        Vendor.objects.filter(applicant=request.user)
        .exclude(status=Vendor.Status.APPROVED)
        .order_by("-created_at")
        .first()
    )
    if application and application.status != Vendor.Status.REJECTED:
        return render(request, "vendor/application_status.html", {"application": application})
    form = VendorApplicationForm(request.POST or None, request.FILES or None, instance=application)
    if request.method == "POST" and form.is_valid():
        try:
            services.apply_for_vendor(
                form.save(commit=False),
                applicant=request.user,
                photo=form.cleaned_data.get("photo"),
            )
        except ValidationError as error:
            code = getattr(error, "code", "")
            decided = code in ("already_decided", "already_pending")
            form.add_error(
                "kind" if code == "platform_kind" else None if decided else "photo", error
            )
        else:
            messages.success(request, APPLIED)
            return redirect("vendor:apply")
    return render(request, "vendor/apply.html", {"form": form, "application": application})


@login_required
@require_POST
def switch_shop(request):
    """Work on another of the user's shops (only those they are a member of)."""
    wanted = request.POST.get("vendor")
    for membership in memberships_of(request.user):
        if str(membership.vendor_id) == wanted:
            request.session[SESSION_VENDOR_KEY] = membership.vendor_id
    return redirect("vendor:home")


# --- Members -------------------------------------------------------------------------------


@vendor_view(owner_only=True)
def members(request):
    form = AddMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_vendor_member(request.vendor, form.cleaned_data["user"])
        except ValidationError as error:
            form.add_error("user", error)
        else:
            messages.success(request, MEMBER_ADDED % {"user": form.cleaned_data["user"]})
            return redirect("vendor:members")
    team = request.vendor.memberships.select_related("user").order_by("role", "user__username")
    return render(request, "vendor/members.html", {"form": form, "team": team})


@vendor_view(owner_only=True)
@require_POST
def member_remove(request, member_id):
    membership = get_object_or_404(request.vendor.memberships.select_related("user"), pk=member_id)
    try:
        services.remove_vendor_member(membership)
    except ValidationError as error:
        for problem in error.messages:
            messages.error(request, problem)
    else:
        messages.success(request, MEMBER_REMOVED % {"user": membership.user})
    return redirect("vendor:members")


# --- Products ------------------------------------------------------------------------------


@vendor_view
def product_list(request):
    products = _own_products(request).select_related("category").prefetch_related("images")
    status = request.GET.get("status", "")
    if status in Product.Status.values:
        products = products.filter(status=status)
    query = request.GET.get("q", "").strip()
    if query:
        products = products.filter(Q(name__icontains=query) | Q(name_en__icontains=query))
    page = Paginator(products.order_by("-updated_at", "-pk"), PRODUCTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "vendor/products.html",
        {
            "page": page,
            "status": status,
            "query": query,
            "statuses": Product.Status.choices,
            "stock_form": StockAdjustmentForm(),
        },
    )


def _save_product_form(request, form, product):
    if not form.is_valid():
        return None
    try:
        return services.save_vendor_product(product, photos=form.cleaned_data["photos"])
    except ValidationError as error:
        form.add_error("photos", error)
        return None


@vendor_view
def product_create(request):
    product = Product(vendor=request.vendor)
    form = ProductForm(
        request.POST or None, request.FILES or None, instance=product, vendor=request.vendor
    )
    if request.method == "POST" and _save_product_form(request, form, product):
        messages.success(request, SAVED % {"product": product.name})
        return redirect("vendor:product_edit", product_id=product.pk)
    return render(request, "vendor/product_form.html", {"form": form, "product": None})


@vendor_view
def product_edit(request, product_id):
    product = get_object_or_404(_own_products(request), pk=product_id)
    form = ProductForm(
        request.POST or None, request.FILES or None, instance=product, vendor=request.vendor
    )
    if request.method == "POST" and _save_product_form(request, form, product):
        messages.success(request, SAVED % {"product": product.name})
        return redirect("vendor:product_edit", product_id=product.pk)
    return render(
        request,
        "vendor/product_form.html",
        {
            "form": form,
            "product": product,
            "photos": product.images.order_by("position", "pk"),
            "stock_form": StockAdjustmentForm(),
        },
    )


@vendor_view
@require_POST
def product_status(request, product_id):
    product = get_object_or_404(_own_products(request), pk=product_id)
    publish = request.POST.get("status") == Product.Status.PUBLISHED
    services.set_product_status(
        product, Product.Status.PUBLISHED if publish else Product.Status.DRAFT
    )
    messages.success(request, (PUBLISHED if publish else UNPUBLISHED) % {"product": product.name})
    return _back(request, "vendor:products")


@vendor_view
@require_POST
def product_stock(request, product_id):
    product = get_object_or_404(_own_products(request), pk=product_id)
    form = StockAdjustmentForm(request.POST)
    if form.is_valid():
        try:
            stock = services.adjust_stock(product, form.cleaned_data["change"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, STOCK_CHANGED % {"product": product.name, "stock": stock})
    else:
        for problems in form.errors.values():
            messages.error(request, " ".join(problems))
    return _back(request, "vendor:products")


@vendor_view
def product_delete(request, product_id):
    product = get_object_or_404(_own_products(request), pk=product_id)
    if request.method == "POST":
        services.delete_product(product)
        messages.success(request, DELETED % {"product": product.name})
        return redirect("vendor:products")
    return render(request, "vendor/product_delete.html", {"product": product})


@vendor_view
@require_POST
def photo_delete(request, product_id, photo_id):
    photo = get_object_or_404(
        ProductImage.objects.filter(product__vendor=request.vendor),
        pk=photo_id,
        product_id=product_id,
    )
    services.delete_product_photo(photo)
    messages.success(request, PHOTO_DELETED)
    return redirect("vendor:product_edit", product_id=product_id)


# --- Spreadsheets ------------------------------------------------------------------------


@vendor_view
def product_export(request):
    response = HttpResponse(
        product_csv.export_products(request.vendor), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{request.vendor.slug}-products.csv"'
    return response


@vendor_view
def product_import(request):
    form = ProductImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = product_csv.import_products(request.vendor, form.cleaned_data["file"])
        if report.ok:
            messages.success(
                request, IMPORTED % {"created": report.created, "updated": report.updated}
            )
            return redirect("vendor:products")
    return render(
        request,
        "vendor/product_import.html",
        {
            "form": form,
            "report": report,
            "columns": product_csv.COLUMNS,
        },
        status=400 if report is not None else 200,
    )

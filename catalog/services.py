"""Writes to the catalog, each named for what a person does and each one transaction."""

import secrets
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from catalog import messages
from catalog.images import delete_photo_files, process_upload
from catalog.models import Product, ProductImage, Vendor, VendorMember
from catalog.promotions.shown_prices import refresh_shown_prices
from catalog.revision import bump_products
from catalog.search import SEARCH_FIELDS, fill_search_fields
from catalog.search.words import record_search_words
from catalog.selectors import forget_counts
from catalog.tasks import refresh_search_documents_task
from core.db import lock_row, lock_rows
from core.transitions import TransitionTable
from notifications.services import notify

TRANSITION_REFUSED = _("This vendor cannot go from “%(current)s” to “%(new)s”.")
VENDOR_TRANSITIONS = TransitionTable(
    Vendor.Status,
    {
        Vendor.Status.PENDING: {Vendor.Status.APPROVED, Vendor.Status.REJECTED},
        Vendor.Status.APPROVED: {Vendor.Status.SUSPENDED},
        Vendor.Status.SUSPENDED: {Vendor.Status.APPROVED},
        Vendor.Status.REJECTED: {Vendor.Status.APPROVED},
    },
    refused=TRANSITION_REFUSED,
    code="vendor_transition",
)
REASON_REQUIRED = _("Say why, so the applicant knows what to change.")
ALREADY_DECIDED = _("This application was decided meanwhile; reload the page to see how.")
ALREADY_PENDING = _("You already have an application waiting for review.")
PLATFORM_KIND_STAFF_ONLY = _(
    "Only the platform's staff can open a platform-operated store; choose the kind of "
    "shop yours is."
)
ALREADY_MEMBER = _("%(user)s already works on this shop.")
LAST_OWNER = _("A shop needs an owner: make someone else owner before removing the last one.")
NOT_NEGATIVE = _("Stock cannot go below 0: there are %(stock)s, and the change is %(change)s.")
VENDOR_MESSAGES = {
    Vendor.Status.APPROVED: messages.VENDOR_APPROVED,
    Vendor.Status.REJECTED: messages.VENDOR_REJECTED,
    Vendor.Status.SUSPENDED: messages.VENDOR_SUSPENDED,
}


def _set_vendor_status(vendor: Vendor, new_status: str, reason: str = "") -> Vendor:
    with transaction.atomic():
        # Lock the row: two staff clicking at once must not both pass the check.
        vendor = lock_row(Vendor, vendor.pk)
        vendor.previous_status = vendor.status
        VENDOR_TRANSITIONS.check(vendor.status, new_status)
        vendor.status = new_status
        vendor.status_reason = reason.strip()
        vendor.status_changed_at = timezone.now()
        vendor.save(update_fields=["status", "status_reason", "status_changed_at", "updated_at"])
        _tell_vendor(vendor, new_status)
    forget_counts()
    return vendor


def _tell_vendor(vendor: Vendor, new_status: str) -> None:
    """The applicant (on approval or rejection) or the members (on suspension) hear of it
    through the outbox, in this transaction."""
    kind = VENDOR_MESSAGES.get(new_status)
    reinstated = (
        new_status == Vendor.Status.APPROVED and vendor.previous_status == Vendor.Status.SUSPENDED
    )
    if reinstated:
        kind = messages.VENDOR_REINSTATED
    if kind is None:
        return
    if new_status == Vendor.Status.SUSPENDED or reinstated:
        recipients = list(vendor.memberships.values_list("user_id", flat=True))
    else:
        recipients = [vendor.applicant_id] if vendor.applicant_id else []
    notify(
        recipients,
        kind,
        key=f"vendor:{vendor.pk}:{new_status}:{vendor.status_changed_at.timestamp()}",
        link=messages.link_of(kind),
        context={
            "vendor": vendor.name,
            "vendor_en": vendor.name_en,
            "reason": vendor.status_reason,
        },
    )


def approve_vendor(vendor: Vendor) -> Vendor:
    """Open the vendor's storefront: its published products become visible. On a first
    approval the applicant becomes the shop's owner (reinstating a suspended shop leaves
    its team as it is)."""
    with transaction.atomic():
        vendor = _set_vendor_status(vendor, Vendor.Status.APPROVED)
        first_approval = vendor.previous_status in (Vendor.Status.PENDING, Vendor.Status.REJECTED)
        if first_approval and vendor.applicant_id:
            VendorMember.objects.get_or_create(
                vendor=vendor,
                user_id=vendor.applicant_id,
                defaults={"role": VendorMember.Role.OWNER},
            )
    return vendor


def reject_vendor(vendor: Vendor, reason: str) -> Vendor:
    """Turn an application down; the applicant is told why and may apply again."""
    if not reason.strip():
        raise ValidationError(REASON_REQUIRED, code="reason_required")
    return _set_vendor_status(vendor, Vendor.Status.REJECTED, reason)


def suspend_vendor(vendor: Vendor, reason: str = "") -> Vendor:
    """Hide the vendor and all its products from shoppers at once (their pages 404); its
    dashboard becomes read-only."""
    return _set_vendor_status(vendor, Vendor.Status.SUSPENDED, reason)


def apply_for_vendor(
    vendor: Vendor, *, applicant: AbstractBaseUser, photo: File | None = None
) -> Vendor:
    """A signed-in user asks for a shop (new, or again after a rejection): pending review.
    The platform's own store is not a kind an applicant may choose (staff set it)."""
    if vendor.kind == Vendor.Kind.PLATFORM:
        raise ValidationError(PLATFORM_KIND_STAFF_ONLY, code="platform_kind")
    stored = process_upload(photo)[0] if photo else None  # refuses a bad file first
    with transaction.atomic():
        if vendor.pk is not None:
            # Staff may be deciding at this very moment: only a rejection can be re-sent.
            current = lock_row(Vendor, vendor.pk)
            if current.status != Vendor.Status.REJECTED or current.applicant_id != applicant.pk:
                raise ValidationError(ALREADY_DECIDED, code="already_decided")
        elif Vendor.objects.filter(applicant=applicant, status=Vendor.Status.PENDING).exists():
            raise ValidationError(ALREADY_PENDING, code="already_pending")
        vendor.applicant = applicant
        vendor.status = Vendor.Status.PENDING
        vendor.status_reason = ""
        vendor.status_changed_at = timezone.now()
        if not vendor.slug:
            vendor.slug = unique_slug(Vendor, vendor.name_en, prefix="shop")
        if stored is not None:
            old = vendor.photo.name if vendor.photo else ""
            vendor.photo.save(stored.name, stored, save=False)
            if old:
                delete_photo_files(old)
        vendor.save()
    return vendor


def add_vendor_member(vendor: Vendor, user: AbstractBaseUser) -> VendorMember:
    member, created = VendorMember.objects.get_or_create(
        vendor=vendor, user=user, defaults={"role": VendorMember.Role.STAFF}
    )
    if not created:
        raise ValidationError(ALREADY_MEMBER, code="already_member", params={"user": user})
    return member


def remove_vendor_member(membership: VendorMember) -> None:
    with transaction.atomic():
        owners = lock_rows(
            VendorMember.objects.filter(
                vendor_id=membership.vendor_id, role=VendorMember.Role.OWNER
            )
        )
        if membership.role == VendorMember.Role.OWNER and len(owners) == 1:
            raise ValidationError(LAST_OWNER, code="last_owner")
        membership.delete()


def unique_slug(model: type[Model], text: str, *, prefix: str) -> str:
    """A slug free in `model`: from `text` when it has Latin letters, else prefix-random."""
    base = slugify(text)[:60] or prefix
    slug = base if base != prefix else f"{prefix}-{secrets.token_hex(4)}"
    while model.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


def save_product(product: Product, *, update_fields: Iterable[str] | None = None) -> Product:
    """Save a product with its search document rebuilt from its current names.

    `update_fields` (an existing product only): write just those, so a value this
    request did not mean to change (the stock, which checkouts move) is left alone."""
    fill_search_fields(product)
    # Read before the save, which forgets what the product held: a change of price or of
    # its card alone (pack size, weight) leaves its words, counts and scope as they were.
    listings = product.changes_listings(update_fields)
    prices = listings or product.changes_prices(update_fields)
    if update_fields is not None and product.pk is not None:
        product.save(update_fields=[*update_fields, *SEARCH_FIELDS, "updated_at"])
    else:
        product.save()
    if listings:
        record_search_words([product.search_document])
        forget_counts()
    if prices:  # repriced, or moved into a promotion's scope (or out of it)
        refresh_shown_prices(Product.objects.filter(pk=product.pk))
    return product


# What a vendor's product form or spreadsheet row changes on an existing product; stock
# moves only through adjust_stock and the checkout, status through set_product_status.
VENDOR_EDITABLE_FIELDS = [
    "name",
    "name_en",
    "category",
    "origin_county",
    "price",
    "pack_size",
    "pack_size_en",
    "net_weight_g",
    "origin_label",
    "origin_label_en",
    "description",
    "description_en",
]


def save_vendor_product(product: Product, *, photos: Iterable[File] = ()) -> Product:
    """A vendor saves a product (new ones start as drafts) with photos added to it.

    Every photo is checked before anything is written; one bad file refuses the save."""
    checked = [process_upload(photo) for photo in photos]
    with transaction.atomic():
        if not product.slug:
            product.slug = unique_slug(Product, product.name_en, prefix="p")
        save_product(product, update_fields=VENDOR_EDITABLE_FIELDS)
        position = product.images.count()
        for offset, (photo, thumbnail) in enumerate(checked):
            _attach_photo(
                product, photo, thumbnail, alt_text=product.name, position=position + offset
            )
    return product


def set_product_status(product: Product, status: str) -> Product:
    product.status = status
    product.save(update_fields=["status", "updated_at"])
    forget_counts()
    return product


def adjust_stock(product: Product, change: int) -> int:
    """Add (or, negative, remove) units in one conditional UPDATE, so a checkout taking
    stock at the same moment is never overwritten. Returns the new stock."""
    with transaction.atomic():
        problem = stock_change_problem(product, change)
        if problem:
            raise ValidationError(problem, code="negative_stock")
        # The row stays locked by the UPDATE until COMMIT: this is the stock it left.
        stock = Product.objects.values_list("stock", flat=True).get(pk=product.pk)
        # Its card and page render again; every listing only if it sold out or came back.
        bump_products(
            [product.pk],
            listings=(stock > 0) != (stock - change > 0),
            vendor_ids=[product.vendor_id],
        )
    return stock


def stock_change_problem(product: Product, change: int) -> str | None:
    """Move the stock by `change` inside the caller's transaction; None when done, else
    what is wrong (it would go below 0) and nothing changed."""
    changed = Product.objects.filter(pk=product.pk, stock__gte=-change).update(
        stock=F("stock") + change, updated_at=timezone.now()
    )
    if changed:
        return None
    stock = Product.objects.values_list("stock", flat=True).get(pk=product.pk)
    return NOT_NEGATIVE % {"stock": stock, "change": change}


def delete_product(product: Product) -> None:
    """Delete a product with its photos; past orders keep its name and price."""
    product.delete()
    forget_counts()


def delete_product_photo(photo: ProductImage) -> None:
    with transaction.atomic():
        # Its files go once this commits (catalog.images.photo_deleted); its product's
        # pages render again (catalog/page_cache.py).
        photo.delete()
        Product.objects.filter(pk=photo.product_id).update(updated_at=timezone.now())


def _attach_photo(
    product: Product, photo: File, thumbnail: File, *, alt_text: str, position: int
) -> ProductImage:
    image = ProductImage(product=product, alt_text=alt_text, position=position)
    image.image.save(photo.name, photo, save=False)
    image.thumbnail.save(thumbnail.name, thumbnail, save=False)
    image.save()
    return image


def add_product_photo(
    product: Product, uploaded_file: File, *, alt_text: str = "", position: int | None = None
) -> ProductImage:
    """Validate, re-encode and attach a photo. Raises ValidationError, storing nothing."""
    photo, thumbnail = process_upload(uploaded_file)
    with transaction.atomic():
        if position is None:
            position = product.images.count()
        image = _attach_photo(product, photo, thumbnail, alt_text=alt_text, position=position)
        Product.objects.filter(pk=product.pk).update(updated_at=timezone.now())
    return image


def schedule_search_refresh(**product_filter: Any) -> None:
    """After this transaction commits, rebuild the matching products' search documents.

    Called when a vendor, category, county or prefecture is renamed: their products'
    documents hold the old name until the worker has rebuilt them.
    """
    # robust: a broker that is down must not turn the committed save into an error page.
    transaction.on_commit(partial(refresh_search_documents_task.delay, product_filter), robust=True)

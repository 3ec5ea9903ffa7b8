"""Writes to the catalog, each named for what a person does and each one transaction."""

from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.images import process_upload
from catalog.models import Product, ProductImage, Vendor
from catalog.page_cache import bump_catalog_revision
from catalog.search import product_search_document
from catalog.selectors import forget_counts

SEARCH_REBUILD_BATCH = 500

VENDOR_TRANSITIONS = {
    Vendor.Status.PENDING: {Vendor.Status.APPROVED, Vendor.Status.REJECTED},
    Vendor.Status.APPROVED: {Vendor.Status.SUSPENDED},
    Vendor.Status.SUSPENDED: {Vendor.Status.APPROVED},
    Vendor.Status.REJECTED: {Vendor.Status.APPROVED},
}
TRANSITION_REFUSED = _("This vendor cannot go from “%(current)s” to “%(new)s”.")


def _set_vendor_status(vendor, new_status):
    with transaction.atomic():
        # Lock the row: two staff clicking at once must not both pass the check.
        vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
        if new_status not in VENDOR_TRANSITIONS[vendor.status]:
            raise ValidationError(
                TRANSITION_REFUSED,
                code="vendor_transition",
                params={
                    "current": vendor.get_status_display(),
                    "new": Vendor.Status(new_status).label,
                },
            )
        vendor.status = new_status
        vendor.status_changed_at = timezone.now()
        vendor.save(update_fields=["status", "status_changed_at", "updated_at"])
    forget_counts()
    return vendor


def approve_vendor(vendor):
    """Open the vendor's storefront: its published products become visible."""
    return _set_vendor_status(vendor, Vendor.Status.APPROVED)


def reject_vendor(vendor):
    return _set_vendor_status(vendor, Vendor.Status.REJECTED)


def suspend_vendor(vendor):
    """Hide the vendor and all its products from shoppers at once (their pages 404)."""
    return _set_vendor_status(vendor, Vendor.Status.SUSPENDED)


def save_product(product):
    """Save a product with its search document rebuilt from its current names."""
    product.search_document = product_search_document(product)
    product.save()
    forget_counts()
    return product


def add_product_photo(product, uploaded_file, *, alt_text="", position=None):
    """Validate, re-encode and attach a photo. Raises ValidationError, storing nothing."""
    photo, thumbnail = process_upload(uploaded_file)
    with transaction.atomic():
        if position is None:
            position = product.images.count()
        image = ProductImage(product=product, alt_text=alt_text, position=position)
        image.image.save(photo.name, photo, save=False)
        image.thumbnail.save(thumbnail.name, thumbnail, save=False)
        image.save()
        Product.objects.filter(pk=product.pk).update(updated_at=timezone.now())
    return image


def refresh_search_documents(products):
    """Rebuild the search documents of `products` (a queryset), in batches."""
    products = products.select_related(
        "vendor", "category__parent", "origin_county__prefecture"
    ).order_by("pk")
    updated = 0
    batch = []
    for product in products.iterator(chunk_size=SEARCH_REBUILD_BATCH):
        product.search_document = product_search_document(product)
        product.updated_at = timezone.now()
        batch.append(product)
        if len(batch) == SEARCH_REBUILD_BATCH:
            updated += _write_search_documents(batch)
            batch = []
    return updated + _write_search_documents(batch)


def _write_search_documents(batch):
    with transaction.atomic():
        Product.objects.bulk_update(batch, ["search_document", "updated_at"])
        bump_catalog_revision()  # bulk_update sends no signals
    return len(batch)


def schedule_search_refresh(**product_filter):
    """After this transaction commits, rebuild the matching products' search documents.

    Called when a vendor, category, county or prefecture is renamed: their products'
    documents hold the old name until the worker has rebuilt them.
    """
    from catalog.tasks import refresh_search_documents_task

    # robust: a broker that is down must not turn the committed save into an error page.
    transaction.on_commit(partial(refresh_search_documents_task.delay, product_filter), robust=True)

"""The kinds of message the catalog sends (a shop's status, promotions), declared to the
outbox from CatalogConfig.ready(). The messages are written by catalog.services and
catalog.promotions.services; their templates are templates/catalog/messages/<kind>*.txt."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from notifications import kinds

VENDOR_APPROVED = "vendor_approved"
VENDOR_REJECTED = "vendor_rejected"
VENDOR_SUSPENDED = "vendor_suspended"
VENDOR_REINSTATED = "vendor_reinstated"
PROMOTION_STARTED = "promotion_started"
VENDOR_PROMO_PLANNED = "vendor_promo_planned"
VENDOR_PROMO_STARTED = "vendor_promo_started"
VENDOR_PROMO_CHANGED = "vendor_promo_changed"

# The inbox's link of a kind: (URL name, its words); kinds not listed have none.
_LINKS = {
    VENDOR_APPROVED: ("vendor:home", _("Open the vendor dashboard")),
    VENDOR_REJECTED: ("vendor:apply", _("Apply again")),
}


def register_kinds() -> None:
    for name, label in (
        (VENDOR_APPROVED, _("shop approved")),
        (VENDOR_REJECTED, _("shop application rejected")),
        (VENDOR_SUSPENDED, _("shop suspended")),
        (VENDOR_REINSTATED, _("shop reinstated")),
        (PROMOTION_STARTED, _("promotion started (reminder)")),
        (VENDOR_PROMO_PLANNED, _("promotion on a vendor's products scheduled")),
        (VENDOR_PROMO_STARTED, _("promotion on a vendor's products started")),
        (VENDOR_PROMO_CHANGED, _("running promotion on a vendor's products changed")),
    ):
        kinds.register(
            name,
            label,
            templates=f"catalog/messages/{name}",
            link_label=_LINKS[name][1] if name in _LINKS else None,
        )


def link_of(kind: str) -> str:
    """The inbox's link of a message of `kind` (empty for none)."""
    return reverse(_LINKS[kind][0]) if kind in _LINKS else ""

"""What every vendor dashboard page shows of the shop's after-sales: the navigation's
"After-sales (N open)" and the home page's count and soonest deadline.

The dashboard's base template belongs to layers below after-sales (catalog, orders),
which may not import it; this processor (listed in settings) hands the figures to the
templates instead. They are read lazily, in one query, on the pages that show them."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from aftersales.vendor_selectors import aftersales_panel


def vendor_aftersales(request: HttpRequest) -> dict:
    """{"vendor_aftersales": the shop's AftersalesPanel} on the dashboard's pages (those
    `vendor_view` gave a shop), else nothing."""
    vendor = getattr(request, "vendor", None)
    if vendor is None:
        return {}
    return {"vendor_aftersales": SimpleLazyObject(lambda: aftersales_panel(vendor))}

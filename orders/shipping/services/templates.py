"""A shop's freight templates: saving, the default, which products use which, and the
listing cards' 包邮 flags that follow from them."""

from catalog.models import Product, Vendor
from catalog.page_cache import bump_catalog_revision
from orders.shipping.fees import ships_free_on_cards
from orders.shipping.models import ProductFreight


def refresh_card_flags(vendor: Vendor) -> None:
    """Rewrite what the shop's listing cards say about shipping: Vendor.ships_free from
    its default template (no template: free), Product.ships_free for each product sent
    under a template of its own (None for the others: as the shop's default). Cached
    pages render again. Call it in the transaction of any change to the shop's templates,
    their rates or their products."""
    templates = list(vendor.freight_templates.prefetch_related("rates"))
    default = next((t for t in templates if t.is_default), None)
    Vendor.objects.filter(pk=vendor.pk).update(ships_free=ships_free_on_cards(default))
    Product.objects.filter(vendor=vendor).exclude(ships_free=None).update(ships_free=None)
    for template in templates:
        if template.is_default:
            continue
        own = ProductFreight.objects.filter(template=template).values("product_id")
        Product.objects.filter(pk__in=own).update(ships_free=ships_free_on_cards(template))
    bump_catalog_revision()

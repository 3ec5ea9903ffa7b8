"""What apps above catalog add below a product on its page (reviews: the rating summary
and the newest reviews), since catalog never imports them.

An app registers a provider from its AppConfig.ready(): a function of the product the
page shows (as catalog.selectors.product_for_shopper reads it) that returns a
ProductSection, or None when it has nothing to show, in a fixed number of queries. The
page is cached by catalog revision: whatever a section shows must bump it when it
changes."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from catalog.models import Product


@dataclass(frozen=True)
class ProductSection:
    """A template the product page includes below the product, with `data` as `section`:
    `{% include section.template with section=section.data %}`."""

    template: str
    data: Any = field(default=None)


Provider = Callable[[Product], ProductSection | None]
PROVIDERS: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Add the provider called `name`; the same again is a no-op (ready() may run twice
    in tests), another one under a name taken raises ImproperlyConfigured."""
    if PROVIDERS.get(name, provider) is not provider:
        raise ImproperlyConfigured(f"A product section called {name!r} is registered already.")
    PROVIDERS[name] = provider


def sections_for(product: Product) -> list[ProductSection]:
    """The sections below `product`, in the order the providers registered."""
    sections = (provider(product) for provider in PROVIDERS.values())
    return [section for section in sections if section is not None]

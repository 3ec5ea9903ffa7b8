"""Product cards, each rendered once per version of its product and kept in the cache.

A listing rendered after a write renders only the cards of the products that changed;
the others come from the cache, rendered before (catalog/revision.py: a product's
version changes with everything its card shows). A card is good until the catalog
revision changes (a vendor's name, a county's, a promotion), its product's version
does, or the next promotion starts or ends (its price), in one language.

`product_cards(ids)` reads the products' versions before their rows, and records them
for the page being rendered (`depends_on`), which is then stale once one changes. Each
card comes between two comments naming its product (`<!--card:12-->…<!--/card:12-->`),
so a page stale only because some cards changed has just those replaced
(`replace_cards`, catalog/page_cache.py).
"""

import re
from collections.abc import Sequence

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from catalog.card_rows import card_products
from catalog.promotions.pricing import apply_prices, next_boundary
from catalog.revision import (
    REVISION_KEY,
    cache_key,
    catalog_revision,
    current_tokens,
    depends_on,
    product_key,
)

CARD_TEMPLATE = "catalog/partials/product_card.html"


def _marked(pk: int, html: str) -> SafeString:
    return mark_safe(f"<!--card:{pk}-->{html}<!--/card:{pk}-->")


def replace_cards(content: str, cards: dict[int, SafeString]) -> str | None:
    """`content` (a page) with the marked cards of the products of `cards` replaced by
    those (from `product_cards_by_id`); None if one of them is not in it."""
    for pk, card in cards.items():
        content, replaced = re.subn(
            rf"<!--card:{pk}-->.*?<!--/card:{pk}-->", lambda _, card=card: card, content, flags=re.S
        )
        if not replaced:
            return None
    return content


def product_cards(ids: Sequence[int]) -> list[SafeString]:
    """The cards of the products `ids`, in that order (those no longer there left out)."""
    ids = list(dict.fromkeys(ids))
    cards = product_cards_by_id(ids)
    return [cards[pk] for pk in ids if pk in cards]


def product_cards_by_id(ids: Sequence[int]) -> dict[int, SafeString]:
    """product id -> its card, marked, for those of `ids` still shown."""
    if not ids:
        return {}
    language = get_language() or ""
    card_keys = {pk: cache_key("card", language, str(pk)) for pk in ids}
    version_keys = {pk: product_key(pk) for pk in ids}
    found = cache.get_many([REVISION_KEY, *version_keys.values(), *card_keys.values()])
    revision = found.get(REVISION_KEY) or catalog_revision()
    versions = current_tokens(version_keys.values(), found)
    depends_on(versions, cards={key: pk for pk, key in version_keys.items()})
    now = timezone.now()
    cards: dict[int, SafeString] = {}
    for pk, key in card_keys.items():
        stored = found.get(key)
        if (
            stored is not None
            and stored[0] == revision
            and stored[1] == versions[version_keys[pk]]
            and (stored[2] is None or now < stored[2])
        ):
            cards[pk] = _marked(pk, stored[3])
    missing = [pk for pk in ids if pk not in cards]
    if missing:
        # Read after the versions: a product changed from here on leaves its card stale.
        products = apply_prices(card_products(missing))
        good_until = next_boundary(now)
        rendered = {}
        for product in products:
            html = render_to_string(CARD_TEMPLATE, {"product": product})
            cards[product.pk] = _marked(product.pk, html)
            version = versions[version_keys[product.pk]]
            rendered[card_keys[product.pk]] = (revision, version, good_until, html)
        cache.set_many(rendered, settings.CATALOG_PAGE_CACHE_SECONDS)
    return cards

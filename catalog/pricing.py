"""The one place a price is computed.

Pages, the cart and checkout all call `price_for` (or `apply_prices` for a page of
products at once), so when promotions arrive they change prices everywhere together.
Neither function queries the database: callers pass what they loaded.
"""

from django.utils import timezone


def price_for(product, at=None, context=None):
    """The unit price in CNY (a Decimal) a shopper pays for `product` at `at`.

    Until promotions exist the list price applies at every moment; `at` and `context`
    (a channel with its own prices, such as a livestream) are the inputs they will use.
    """
    return product.price


def apply_prices(products, at=None, context=None):
    """Set `current_price` on each product of a page, at one moment for all of them."""
    at = at or timezone.now()
    for product in products:
        product.current_price = price_for(product, at, context)
    return products

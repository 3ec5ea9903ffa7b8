"""The catalog's models, one module per family; every model is importable from here.

`BilingualNameMixin` stays importable from here: the migrations name it
`catalog.models.BilingualNameMixin`.
"""

from core.names import BilingualNameMixin

# isort: off
# In the order the models were defined in one module, so that Django registers them (and
# lists them: content types, apps.get_models()) in the same order as before.
from catalog.models.places import County, Prefecture
from catalog.models.categories import Category
from catalog.models.vendors import Vendor, VendorMember
from catalog.models.products import SHOWN_PRICE, SOLD_OUT, Product, ProductImage
from catalog.models.landing import KeywordLanding
from catalog.models.search_terms import SearchSynonym, SearchWord

# Promotions live in their own package; importing them here makes them catalog models.
from catalog.promotions.models import Promotion, PromotionReminder
# isort: on

__all__ = [
    "SHOWN_PRICE",
    "SOLD_OUT",
    "BilingualNameMixin",
    "Category",
    "County",
    "KeywordLanding",
    "Prefecture",
    "Product",
    "ProductImage",
    "Promotion",
    "PromotionReminder",
    "SearchSynonym",
    "SearchWord",
    "Vendor",
    "VendorMember",
]

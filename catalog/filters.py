"""The product listing's filters and sorting (django-filter).

Taxonomy filters are slug choices from `taxonomy_choices()`, cached with the catalog's
revision, so validating and rendering them costs no query per filter.
"""

import django_filters
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.models.products import NAME_SORTED_HERE, SHOWN_PRICE_SORTED_HERE
from catalog.search.query import search_products

SORT_CHOICES = [
    ("newest", _("Newest")),
    ("price", _("Price: low to high")),
    ("-price", _("Price: high to low")),
    ("name", pgettext_lazy("sort products by", "Name")),
]
# Prices sort by the price on the card (catalog/promotions/shown_prices.py); sold-out products
# come last in every sort (ProductQuerySet.in_shop_order).
SORT_ORDERING = {
    "newest": ("-created_at", "-id"),
    "price": ("shown_price", "id"),
    "-price": ("-shown_price", "-id"),
    "name": ("name", "id"),
}
PRICE_SORTS = ("price", "-price")
# A listing narrowed by these is sorted by price or name from its matches (…_SORTED_HERE).
NARROWING_FILTERS = ("category", "prefecture", "county", "vendor")
SORT_ORDERING_NARROWED = {
    "price": (SHOWN_PRICE_SORTED_HERE.asc(), "id"),
    "-price": (SHOWN_PRICE_SORTED_HERE.desc(), "-id"),
    "name": (NAME_SORTED_HERE.asc(), "id"),
}
MAX_QUERY_LENGTH = 100
PRICE_FIELD = {"min_value": 0, "max_digits": 10, "decimal_places": 2}
PRICE_WIDGET = {"inputmode": "decimal", "placeholder": "¥"}
COUNTY_OUTSIDE_PREFECTURE = _("Choose a county of the chosen prefecture.")


class ProductFilterForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs["label_suffix"] = ""  # labels stand above their fields: no colon
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_price"), cleaned.get("max_price")
        if low is not None and high is not None and low > high:
            self.add_error("max_price", _("The highest price must not be below the lowest."))
        return cleaned


class ProductFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Keywords"), widget=forms.HiddenInput)
    category = django_filters.ChoiceFilter(
        label=_("Category"), method="filter_category", empty_label=_("All categories")
    )
    prefecture = django_filters.ChoiceFilter(
        label=_("Prefecture"), method="filter_prefecture", empty_label=_("All prefectures")
    )
    county = django_filters.ChoiceFilter(
        label=_("County"), method="filter_county", empty_label=_("All counties")
    )
    vendor = django_filters.CharFilter(
        field_name="vendor__slug", widget=forms.HiddenInput, label=_("Vendor")
    )
    min_price = django_filters.NumberFilter(
        method="filter_shown_price",
        lookup_expr="gte",
        label=_("Lowest price"),
        widget=forms.NumberInput(attrs={**PRICE_WIDGET, "step": "0.01", "min": "0"}),
        **PRICE_FIELD,
    )
    max_price = django_filters.NumberFilter(
        method="filter_shown_price",
        lookup_expr="lte",
        label=_("Highest price"),
        widget=forms.NumberInput(attrs={**PRICE_WIDGET, "step": "0.01", "min": "0"}),
        **PRICE_FIELD,
    )
    in_stock = django_filters.BooleanFilter(
        method="filter_in_stock", label=_("In stock only"), widget=forms.CheckboxInput
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES, method="filter_nothing", label=_("Sort by"), empty_label=None
    )

    class Meta:
        form = ProductFilterForm
        fields = []

    def __init__(self, data=None, *args, choices, hide=(), **kwargs):
        super().__init__(data, *args, **kwargs)
        for name in ("category", "prefecture"):
            self.filters[name].extra["choices"] = choices[name]
        self.ids = {
            "category": choices["category_ids"],
            "prefecture": choices["prefecture_county_ids"],
            "county": choices["county_ids"],
        }
        self.county_groups = choices["county_groups"]
        self.filters["county"].extra["choices"] = self._county_choices()
        self.hidden = frozenset(hide)
        for name in hide:
            self.filters.pop(name)
        if "q" in self.filters and self.data.get("q"):
            self.filters["sort"].extra["empty_label"] = _("Best match")

    def _county_choices(self):
        """The chosen prefecture's counties; without one, every county by prefecture."""
        prefecture = self.data.get("prefecture")
        for slug, _name, counties in self.county_groups:
            if slug == prefecture:
                self.filters["county"].extra["error_messages"] = {
                    "invalid_choice": COUNTY_OUTSIDE_PREFECTURE
                }
                return counties
        return [(name, counties) for _slug, name, counties in self.county_groups]

    def filter_q(self, queryset, name, value):
        return queryset  # searched in filter_queryset, within what the others filtered

    # By the ids a slug stands for (a valid choice is always there): conditions on the
    # product's own columns, read from the index on them, not a join and an OR.
    def filter_category(self, queryset, name, value):
        return queryset.filter(category_id__in=self.ids["category"][value])

    def filter_prefecture(self, queryset, name, value):
        return queryset.filter(origin_county_id__in=self.ids["prefecture"].get(value, []))

    def filter_county(self, queryset, name, value):
        return queryset.filter(origin_county_id=self.ids["county"][value])

    def filter_shown_price(self, queryset, name, value):
        lookup = self.filters[name].lookup_expr
        return queryset.with_shown_price().filter(**{f"shown_price__{lookup}": value})

    def filter_in_stock(self, queryset, name, value):
        return queryset.filter(stock__gt=0) if value else queryset

    def filter_nothing(self, queryset, name, value):
        return queryset  # sorting is applied last, in filter_queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        sort = self.form.cleaned_data.get("sort")
        ordering = SORT_ORDERING.get(sort or "newest")
        if query := self.form.cleaned_data.get("q"):
            # Best match ranks at most SEARCH_MAX_RANKED (one more says there are more);
            # a sort the shopper chose orders every match.
            most = None if sort else settings.SEARCH_MAX_RANKED + 1
            queryset = search_products(queryset, query[:MAX_QUERY_LENGTH], most=most)
        if not sort and query:
            ordering = ("-search_rank", *ordering)  # best matches first
        elif sort in SORT_ORDERING_NARROWED and not query and self._narrowed:
            ordering = SORT_ORDERING_NARROWED[sort]
        return queryset.with_shown_price().in_shop_order(*ordering)

    @property
    def _narrowed(self) -> bool:
        """Whether the products are a part of the catalog: a page's own scope (the filters
        it fixes) or a filter chosen."""
        data = self.form.cleaned_data
        return any(name in self.hidden or data.get(name) for name in NARROWING_FILTERS)

    @property
    def by_price(self) -> bool:
        """Whether the products shown depend on their prices beyond their cards: sorted
        or filtered by price (a valid form only)."""
        data = self.form.cleaned_data
        return data.get("sort") in PRICE_SORTS or any(
            data.get(name) is not None for name in ("min_price", "max_price")
        )

    @property
    def chosen_places(self):
        """Names of the category, prefecture and county the shopper chose (valid filters
        only), for the page's title; read from the choices, so no query."""
        if not self.is_bound or not self.form.is_valid():
            return []
        known = {
            name: dict(self.filters[name].extra["choices"])
            for name in ("category", "prefecture")
            if name in self.filters
        }
        if "county" in self.filters:
            known["county"] = {
                slug: county for _slug, _name, group in self.county_groups for slug, county in group
            }
        data = self.form.cleaned_data
        return [names[data[name]] for name, names in known.items() if data.get(name) in names]

    @property
    def active_filters(self):
        """Names of the filters the shopper set (for "clear" links and the count)."""
        if not self.is_bound or not self.form.is_valid():
            return []
        return [
            name
            for name, value in self.form.cleaned_data.items()
            if name not in ("sort", "q") and value not in (None, "", False)
        ]

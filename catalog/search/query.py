"""Reading a shopper's query: which products match it and how well."""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from catalog.models import Product
from catalog.search import normalise_keyword, query_terms


def search_products(queryset: QuerySet[Product], query: str | None) -> QuerySet[Product]:
    """Products of `queryset` matching every term of `query`, best name matches first.

    Returns the queryset unchanged for an empty query, and none for a query with no
    searchable characters (only punctuation, say). Otherwise adds a `search_rank` annotation (higher: better) the
    caller orders by.
    """
    phrase = normalise_keyword(query)
    if not phrase:
        return queryset
    terms = query_terms(query)
    if not terms:
        queryset = queryset.none()
    elif connection.vendor == "postgresql":
        tsquery = " & ".join(t + ":*" if t.isascii() else t for t in terms)
        queryset = queryset.annotate(
            search_vector=SearchVector("search_document", config="simple")
        ).filter(search_vector=SearchQuery(tsquery, search_type="raw", config="simple"))
    else:
        condition = Q()
        for term in terms:
            condition &= Q(search_document__contains=term)
        queryset = queryset.filter(condition)
    return queryset.annotate(
        search_rank=Case(
            When(Q(name__iexact=phrase) | Q(name_en__iexact=phrase), then=Value(2)),
            When(Q(name__icontains=phrase) | Q(name_en__icontains=phrase), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )
